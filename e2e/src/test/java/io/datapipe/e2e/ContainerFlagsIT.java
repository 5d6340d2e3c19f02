package io.datapipe.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.datapipe.testsupport.ServiceProcesses;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tests run the services with the flags the pods run them with: {@link ServiceProcesses#CONTAINER_JVM_OPTIONS}
 * is each Dockerfile's {@code JAVA_TOOL_OPTIONS} with the heap percentages turned into sizes for the base
 * Deployment's memory limit, and {@link ServiceProcesses#CONTAINER_ENVIRONMENT} is the Dockerfile's
 * environment for the JVM. A change to one side without the other fails here.
 */
class ContainerFlagsIT {

    private static final Path REPO = Path.of(System.getProperty("datapipe.services.dir", "../services")).getParent();
    private static final Pattern TOOL_OPTIONS = Pattern.compile("JAVA_TOOL_OPTIONS=\"([^\"]*)\"");
    private static final Pattern MEMORY_LIMIT = Pattern.compile("limits:\\s*\\n(?:\\s+\\w+:.*\\n)*?\\s+memory:\\s*(\\d+)Mi");
    private static final Pattern PERCENTAGE = Pattern.compile("-XX:(Max|Initial)RAMPercentage=([0-9.]+)");

    @ParameterizedTest
    @ValueSource(strings = {"generator", "persister", "web"})
    void theHarnessFlagsAreTheImageFlagsForThePodsMemoryLimit(String service) throws IOException {
        String dockerfile = Files.readString(REPO.resolve("services").resolve(service).resolve("Dockerfile"));
        Matcher options = TOOL_OPTIONS.matcher(dockerfile);
        assertThat(options.find()).as("JAVA_TOOL_OPTIONS in the Dockerfile of " + service).isTrue();
        Matcher limit = MEMORY_LIMIT.matcher(Files.readString(REPO.resolve("k8s/base").resolve(service).resolve("deployment.yaml")));
        assertThat(limit.find()).as("a memory limit in Mi in the base Deployment of " + service).isTrue();
        int limitMiB = Integer.parseInt(limit.group(1));

        List<String> expected = new ArrayList<>();
        for (String flag : options.group(1).split("\\s+")) {
            Matcher percentage = PERCENTAGE.matcher(flag);
            if (percentage.matches()) {
                long mebibytes = Math.round(Double.parseDouble(percentage.group(2)) * limitMiB / 100);
                expected.add((percentage.group(1).equals("Max") ? "-Xmx" : "-Xms") + mebibytes + "m");
            } else if (!flag.startsWith("-javaagent:") && !flag.startsWith("-Djava.io.tmpdir=")) {
                // The agent is attached where a test asks for it; the temporary directory is the image's.
                expected.add(flag);
            }
        }

        assertThat(ServiceProcesses.CONTAINER_JVM_OPTIONS).containsExactlyInAnyOrderElementsOf(expected);
        ServiceProcesses.CONTAINER_ENVIRONMENT.forEach((name, value) ->
                assertThat(dockerfile).as(service + "'s Dockerfile sets " + name).containsPattern("\\b" + name + "=" + value + "\\b"));
        assertThat(Arrays.asList(dockerfile.split("\\n"))).filteredOn(line -> line.contains("MALLOC_"))
                .allSatisfy(line -> assertThat(ServiceProcesses.CONTAINER_ENVIRONMENT.keySet()).anySatisfy(line::contains));
    }
}
