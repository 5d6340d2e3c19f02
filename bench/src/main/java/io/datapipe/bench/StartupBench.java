package io.datapipe.bench;

import io.datapipe.testsupport.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * Start-up and resident memory of two ways of starting the services, A and B, measured in turns (A B, B A,
 * A B ...) so that what the machine's other load does to one does it to the other too:
 * <pre>
 * java -cp bench/target/datapipe-bench.jar io.datapipe.bench.StartupBench --runs 5 \
 *     --a 'agent' --b 'agent -XX:AOTMode=off' [--requests 2000] [--services persister,generator,web]
 * </pre>
 * A variant is a list of words: {@code agent} attaches the OpenTelemetry agent as the images do, {@code -X...}
 * words are JVM options after {@code services/launch.sh}'s own, {@code key=value} words are configuration
 * ({@code -D}), {@code VAR:=value} words environment variables. Each round starts persister, generator and web
 * (in that order, as {@code make up} does) through {@code services/launch.sh}, times each from process start
 * to the first {@code 200} on {@code /health/ready} (polled every 10 ms), then sends a fixed load (single
 * POSTs to the generator, which the persister consumes, and first-page GETs to web, 16 at a time), and reads
 * each process's resident size ({@code VmRSS}) at ready and after the load (and, for a variant started with
 * {@code -XX:NativeMemoryTracking=summary}, the committed memory by area after the load). It prints each round, the medians
 * and the median of the paired ratios B/A, with the load average. With {@code --services} naming fewer than
 * all three it only times their start (no load).
 */
public final class StartupBench {

    private static List<String> services = List.of("persister", "generator", "web");
    private static final int IN_FLIGHT = 16;

    private StartupBench() {
    }

    record Variant(String name, String label, List<String> jvm, Map<String, String> config, Map<String, String> environment,
                   boolean agent) {
        static Variant parse(String label, String words) {
            List<String> jvm = new ArrayList<>();
            Map<String, String> config = new LinkedHashMap<>();
            Map<String, String> environment = new LinkedHashMap<>();
            boolean agent = false;
            for (String word : words.trim().split("\\s+")) {
                if (word.isEmpty()) {
                    continue;
                }
                if (word.equals("agent")) {
                    agent = true;
                } else if (word.startsWith("-")) {
                    jvm.add(word);
                } else if (word.contains(":=")) {
                    environment.put(word.substring(0, word.indexOf(":=")), word.substring(word.indexOf(":=") + 2));
                } else if (word.contains("=")) {
                    config.put(word.substring(0, word.indexOf('=')), word.substring(word.indexOf('=') + 1));
                } else {
                    throw new IllegalArgumentException("not agent, -option, key=value or VAR:=value: " + word);
                }
            }
            return new Variant(label, label + " (" + words.trim() + ")", jvm, config, environment, agent);
        }
    }

    public static void main(String[] args) throws Exception {
        int runs = 5;
        int requests = 2000;
        String a = "";
        String b = null;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--requests" -> requests = Integer.parseInt(args[++i]);
                case "--a" -> a = args[++i];
                case "--b" -> b = args[++i];
                case "--services" -> services = List.of(args[++i].split(","));
                default -> rest.add(args[i]);
            }
        }
        if (!rest.contains("--out")) {
            rest.addAll(List.of("--out", "bench/target/startup"));
        }
        BenchOptions options = BenchOptions.parse(rest.toArray(String[]::new));
        List<Variant> variants = new ArrayList<>(List.of(Variant.parse("A", a)));
        if (b != null) {
            variants.add(Variant.parse("B", b));
        }
        Files.createDirectories(options.out());
        try (BenchEnv env = new BenchEnv(options)) {
            Runtime.getRuntime().addShutdownHook(new Thread(ServiceProcess::killAll));
            env.createDatabase();
            env.declareTopology();
            System.out.println("load average before: " + loadAverage());
            // figure -> variant -> values, in round order
            Map<String, Map<String, List<Double>>> figures = new LinkedHashMap<>();
            for (int round = 0; round < runs; round++) {
                List<Variant> order = new ArrayList<>(variants);
                if (round % 2 == 1) {
                    java.util.Collections.reverse(order);
                }
                for (Variant variant : order) {
                    Map<String, Double> measured = round(env, variant, requests);
                    System.out.printf(Locale.ROOT, "round %d %s: %s, load %s%n", round + 1, variant.label(), measured,
                                      loadAverage());
                    measured.forEach((figure, value) -> figures.computeIfAbsent(figure, f -> new LinkedHashMap<>())
                            .computeIfAbsent(variant.label(), v -> new ArrayList<>()).add(value));
                }
            }
            System.out.println("load average after: " + loadAverage());
            System.out.println("medians (min-max)" + (variants.size() > 1 ? ", and the median of the paired ratios B/A" : ""));
            figures.forEach((figure, byVariant) -> {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-24s", figure));
                for (Variant variant : variants) {
                    List<Double> values = byVariant.get(variant.label());
                    line.append(String.format(Locale.ROOT, "  %s %.0f (%.0f-%.0f)", variant.name(),
                                              median(values), min(values), max(values)));
                }
                if (variants.size() > 1) {
                    List<Double> as = byVariant.get(variants.get(0).label());
                    List<Double> bs = byVariant.get(variants.get(1).label());
                    List<Double> ratios = new ArrayList<>();
                    for (int i = 0; i < Math.min(as.size(), bs.size()); i++) {
                        ratios.add(bs.get(i) / as.get(i));
                    }
                    line.append(String.format(Locale.ROOT, "  B/A %.2f", median(ratios)));
                }
                System.out.println(line);
            });
            for (Variant variant : variants) {
                System.out.println("  " + variant.name() + " = " + variant.label().substring(variant.name().length() + 2, variant.label().length() - 1));
            }
        } finally {
            ServiceProcess.killAll();
        }
    }

    private static Map<String, Double> round(BenchEnv env, Variant variant, int requests) throws Exception {
        Map<String, ServiceProcess> running = new LinkedHashMap<>();
        Map<String, Double> measured = new LinkedHashMap<>();
        try {
            for (String name : services) {
                ServiceProcess.Launch launch = ServiceProcess.launch(name).repository(env.options.repo())
                        .config(env.serviceConfig(name, variant.config())).jvmOptions(variant.jvm())
                        .environment(variant.environment()).logs(env.options.out().resolve("logs"));
                if (variant.agent()) {
                    launch.withAgent();
                }
                ServiceProcess service = launch.start();
                running.put(name, service);
                measured.put(name + " ready ms", (double) service.awaitReady(Duration.ofSeconds(120), Duration.ofMillis(10)));
                measured.put(name + " CPU ms to ready", cpuMs(service));
                measured.put(name + " MiB at ready", service.residentMiB());
            }
            if (!running.containsKey("generator") || !running.containsKey("web")) {
                return measured;
            }
            load(env, running.get("generator"), running.get("web"), requests);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (env.queueDepth(env.queue) > 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            for (ServiceProcess service : running.values()) {
                service.ensureAlive("the load");
                measured.put(service.name() + " MiB after load", service.residentMiB());
                if (variant.jvm().stream().anyMatch(option -> option.startsWith("-XX:NativeMemoryTracking="))) {
                    nativeMemory(service).forEach((area, mib) -> measured.put(service.name() + " NMT " + area + " MiB", mib));
                }
            }
        } finally {
            for (ServiceProcess service : running.values()) {
                service.close();
            }
        }
        return measured;
    }

    /** {@code requests} single POSTs to the generator, then as many first-page GETs to web, {@link #IN_FLIGHT} at a time. */
    private static void load(BenchEnv env, ServiceProcess generator, ServiceProcess web, int requests) throws Exception {
        Semaphore slots = new Semaphore(IN_FLIGHT);
        List<CompletableFuture<BenchHttp.Answer>> answers = new ArrayList<>();
        for (int n = 0; n < 2 * requests; n++) {
            slots.acquire();
            CompletableFuture<BenchHttp.Answer> answer = n < requests
                    ? env.post(generator.uri("/data"), n)
                    : env.http.get(web.uri("/data"), env.token(n));
            answers.add(answer.whenComplete((response, error) -> slots.release()));
        }
        long failed = 0;
        for (CompletableFuture<BenchHttp.Answer> answer : answers) {
            try {
                if (answer.get().status() >= 300) {
                    failed++;
                }
            } catch (Exception e) {
                failed++;
            }
        }
        if (failed > 0) {
            System.out.println("  " + failed + " of " + answers.size() + " requests failed");
        }
    }

    private static final java.util.regex.Pattern NMT_AREA = java.util.regex.Pattern.compile(
            "^-\\s+(Java Heap|Class|Thread|Code|GC|Metaspace|Symbol|Shared class space|Other|Internal|Arena Chunk)\\s+\\(reserved=\\d+KB, committed=(\\d+)KB\\)",
            java.util.regex.Pattern.MULTILINE);
    private static final java.util.regex.Pattern NMT_TOTAL = java.util.regex.Pattern.compile("Total: reserved=\\d+KB, committed=(\\d+)KB");

    /** Committed memory by area ({@code jcmd VM.native_memory summary}), for a variant started with NMT on. */
    private static Map<String, Double> nativeMemory(ServiceProcess service) throws Exception {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                                          Long.toString(service.pid()), "VM.native_memory", "summary", "scale=KB")
                .redirectErrorStream(true).start();
        String out = new String(jcmd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        jcmd.waitFor();
        Map<String, Double> areas = new LinkedHashMap<>();
        java.util.regex.Matcher total = NMT_TOTAL.matcher(out);
        if (total.find()) {
            areas.put("total", Long.parseLong(total.group(1)) / 1024.0);
        }
        java.util.regex.Matcher area = NMT_AREA.matcher(out);
        while (area.find()) {
            areas.put(area.group(1).toLowerCase(Locale.ROOT).replace(' ', '-'), Long.parseLong(area.group(2)) / 1024.0);
        }
        return areas;
    }

    /** User + system CPU time of the process so far: far less moved by the machine's other load than the wall time. */
    private static double cpuMs(ServiceProcess service) {
        return ProcessHandle.of(service.pid()).flatMap(handle -> handle.info().totalCpuDuration())
                .map(Duration::toMillis).orElse(-1L);
    }

    private static String loadAverage() {
        try {
            return String.join(" ", Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+"), 3));
        } catch (Exception e) {
            return "unknown";
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    private static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }
}
