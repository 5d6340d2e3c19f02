package io.datapipe.k8s;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The image rules, checked on a Dockerfile's text (there is no Docker engine to build with). */
final class Dockerfiles {

    record Instruction(String keyword, String args) {
    }

    /** An exact Temurin JRE tag of Java 21 or later: 21.0.8_9-jre-noble, not 21-jre or 21.0-jre. */
    static final Pattern BASE_IMAGE = Pattern.compile("eclipse-temurin:(2[1-9]|[3-9]\\d)\\.\\d+\\.\\d+_\\d+-jre(-[a-z0-9.]+)?(@sha256:[a-f0-9]{64})?");
    static final String AGENT = "/opt/otel/opentelemetry-javaagent.jar";
    static final String LAUNCHER = "launch.sh";
    /** The agent's configuration file, which the launcher passes to the agent from beside itself. */
    static final String AGENT_CONFIG = "otel-agent.properties";
    /**
     * The most of the container's memory limit the heap may take: under load the rest of the process
     * measured up to 145 MiB on top of a 205 MiB heap (bench/results/2026-11-containers-memory.md).
     */
    static final double MAX_HEAP_PERCENTAGE = 50.0;

    private Dockerfiles() {
    }

    /** Instructions, with comments dropped and continuation lines joined. */
    static List<Instruction> parse(String text) {
        List<Instruction> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            String[] parts = current.toString().strip().split("\\s+", 2);
            out.add(new Instruction(parts[0].toUpperCase(), parts.length > 1 ? parts[1] : ""));
            current.setLength(0);
        }
        return out;
    }

    static List<String> violations(String text) {
        List<String> out = new ArrayList<>();
        List<Instruction> all = parse(text);
        String baseImage = null;
        int lastFrom = -1;
        for (int i = 0; i < all.size(); i++) {
            Instruction ins = all.get(i);
            switch (ins.keyword()) {
                case "ARG" -> {
                    Matcher m = Pattern.compile("JRE_IMAGE=(\\S+)").matcher(ins.args());
                    if (m.find()) {
                        baseImage = m.group(1);
                    }
                }
                case "FROM" -> {
                    lastFrom = i;
                    String image = ins.args().split("\\s+")[0].replace("${JRE_IMAGE}", baseImage == null ? "" : baseImage);
                    if (!BASE_IMAGE.matcher(image).matches()) {
                        out.add("FROM " + ins.args() + ": not an exact eclipse-temurin JRE 21+ tag");
                    }
                }
                case "HEALTHCHECK" -> out.add("HEALTHCHECK: the orchestrator probes the health endpoints, not the image");
                case "ADD" -> out.add("ADD " + ins.args() + ": use COPY");
                default -> {
                }
            }
        }
        if (lastFrom < 0) {
            return List.of("no FROM");
        }
        List<Instruction> runtime = all.subList(lastFrom, all.size());
        String env = runtime.stream().filter(i -> i.keyword().equals("ENV")).map(Instruction::args).reduce("", String::concat);
        Matcher opts = Pattern.compile("JAVA_TOOL_OPTIONS=\"([^\"]*)\"").matcher(env);
        if (!opts.find() || !opts.group(1).contains("-javaagent:" + AGENT)) {
            out.add("JAVA_TOOL_OPTIONS lacks -javaagent:" + AGENT);
        }
        boolean agent = false;
        boolean jar = false;
        boolean launcher = false;
        boolean agentConfig = false;
        for (Instruction ins : runtime) {
            if (ins.keyword().equals("RUN")) {
                out.add("RUN in the runtime stage (" + ins.args() + "): it would add a layer of changes; do it in a build stage");
            }
            if (ins.keyword().equals("COPY") && !ins.args().startsWith("--from")) {
                String[] paths = ins.args().replaceAll("--\\S+\\s+", "").split("\\s+");
                for (int p = 0; p < paths.length - 1; p++) {
                    if (!paths[p].startsWith("${SERVICE}/target/") && !paths[p].equals(LAUNCHER) && !paths[p].equals(AGENT_CONFIG)) {
                        out.add("COPY " + paths[p] + ": the image takes only what Maven built (${SERVICE}/target/), "
                                + LAUNCHER + " and " + AGENT_CONFIG);
                    }
                }
                agent |= ins.args().equals("${SERVICE}/target/otel/opentelemetry-javaagent.jar " + AGENT);
                jar |= ins.args().equals("${SERVICE}/target/datapipe-${SERVICE}.jar /app/service.jar");
                launcher |= ins.args().equals(LAUNCHER + " /app/" + LAUNCHER);
                agentConfig |= ins.args().equals(AGENT_CONFIG + " /app/" + AGENT_CONFIG);
            }
        }
        if (!agent) {
            out.add("the OpenTelemetry agent is not copied from ${SERVICE}/target/otel/opentelemetry-javaagent.jar to " + AGENT);
        }
        if (!jar) {
            out.add("${SERVICE}/target/datapipe-${SERVICE}.jar is not copied to /app/service.jar");
        }
        if (!launcher) {
            out.add(LAUNCHER + " is not copied to /app/" + LAUNCHER);
        }
        if (!agentConfig) {
            out.add(AGENT_CONFIG + " is not copied to /app/" + AGENT_CONFIG + ", beside the launcher that passes it to the agent");
        }
        if (runtime.stream().noneMatch(i -> i.keyword().equals("WORKDIR") && i.args().equals("/app"))) {
            out.add("WORKDIR is not /app");
        }
        Instruction user = null;
        int userAt = -1;
        for (int i = 0; i < runtime.size(); i++) {
            if (runtime.get(i).keyword().equals("USER")) {
                user = runtime.get(i);
                userAt = i;
            }
        }
        if (user == null || !user.args().matches("[1-9]\\d*(:\\d+)?")) {
            out.add("USER must be a numeric, non-root UID (found " + (user == null ? "none" : user.args()) + ")");
        } else {
            for (int i = userAt + 1; i < runtime.size(); i++) {
                if (List.of("COPY", "RUN").contains(runtime.get(i).keyword())) {
                    out.add(runtime.get(i).keyword() + " after USER: files would belong to the runtime user");
                }
            }
        }
        String entrypoint = runtime.stream().filter(i -> i.keyword().equals("ENTRYPOINT")).map(Instruction::args).reduce((a, b) -> b).orElse("");
        if (!entrypoint.replaceAll("\\s", "").equals("[\"/app/" + LAUNCHER + "\",\"-jar\",\"/app/service.jar\"]")) {
            out.add("ENTRYPOINT must be exec form /app/" + LAUNCHER + " -jar /app/service.jar, is " + entrypoint);
        }
        return out;
    }

    /** The JVM flags every service process runs with (services/launch.sh): what the memory limit needs. */
    static List<String> launcherViolations(String script) {
        List<String> out = new ArrayList<>();
        if (!script.contains("-XX:+ExitOnOutOfMemoryError")) {
            out.add("lacks -XX:+ExitOnOutOfMemoryError");
        }
        if (!script.lines().anyMatch(line -> line.strip().startsWith("exec "))) {
            out.add("does not exec java: the JVM would not get the container's signals");
        }
        Matcher heap = Pattern.compile("-XX:MaxRAMPercentage=([0-9.]+)").matcher(script);
        if (!heap.find()) {
            out.add("lacks -XX:MaxRAMPercentage");
        } else if (Double.parseDouble(heap.group(1)) > MAX_HEAP_PERCENTAGE) {
            out.add("-XX:MaxRAMPercentage=" + heap.group(1) + ": above " + MAX_HEAP_PERCENTAGE
                    + " % the rest of the process does not fit the memory limit");
        }
        return out;
    }
}
