package io.datapipe.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The one Dockerfile (every service's image) and the launcher it runs follow the image rules. */
class DockerfileTest {

    private static final Path SERVICES = Repo.ROOT.resolve("services");

    static String dockerfile() {
        return Yaml.read(SERVICES.resolve("Dockerfile"));
    }

    static String launcher() {
        return Yaml.read(SERVICES.resolve(Dockerfiles.LAUNCHER));
    }

    @Test
    void followsTheImageRules() {
        assertThat(Dockerfiles.violations(dockerfile())).isEmpty();
        assertThat(Dockerfiles.launcherViolations(launcher())).isEmpty();
    }

    @Test
    void theContextHoldsOnlyWhatMavenBuiltTheLauncherAndTheAgentsConfiguration() {
        List<String> rules = Yaml.read(SERVICES.resolve(".dockerignore")).lines()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertThat(rules).containsExactly("*", "!launch.sh", "!otel-agent.properties", "!*/target/datapipe-*.jar", "!*/target/libs/",
                                          "!*/target/otel/opentelemetry-javaagent.jar");
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "Dockerfile | latest base image          | ARG JRE_IMAGE=eclipse-temurin:21.0.8_9-jre-noble | ARG JRE_IMAGE=eclipse-temurin:latest | not an exact eclipse-temurin JRE 21+ tag",
            "Dockerfile | floating major tag         | ARG JRE_IMAGE=eclipse-temurin:21.0.8_9-jre-noble | ARG JRE_IMAGE=eclipse-temurin:21-jre  | not an exact eclipse-temurin JRE 21+ tag",
            "Dockerfile | Java 17                    | ARG JRE_IMAGE=eclipse-temurin:21.0.8_9-jre-noble | ARG JRE_IMAGE=eclipse-temurin:17.0.15_6-jre | not an exact eclipse-temurin JRE 21+ tag",
            "Dockerfile | root user                  | USER 10001:10001 | USER root | numeric, non-root UID",
            "Dockerfile | UID 0                      | USER 10001:10001 | USER 0    | numeric, non-root UID",
            "Dockerfile | health check               | EXPOSE 8080 | HEALTHCHECK CMD curl -f http://localhost:8080/health/live | HEALTHCHECK",
            "Dockerfile | no agent                   | -javaagent:/opt/otel/opentelemetry-javaagent.jar | -Dx=y | lacks -javaagent",
            "Dockerfile | source copied in           | COPY ${SERVICE}/target/datapipe-${SERVICE}.jar /app/service.jar | COPY src/ /app/src/ | the image takes only what Maven built",
            "Dockerfile | no launcher                | COPY launch.sh /app/launch.sh | COPY ${SERVICE}/target/libs/ /app/x/ | launch.sh is not copied",
            "Dockerfile | no agent configuration     | COPY otel-agent.properties /app/otel-agent.properties | COPY ${SERVICE}/target/libs/ /app/y/ | otel-agent.properties is not copied",
            "Dockerfile | shell-form entrypoint      | ENTRYPOINT [\"/app/launch.sh\", \"-jar\", \"/app/service.jar\"] | ENTRYPOINT /app/launch.sh -jar /app/service.jar | ENTRYPOINT must be exec form",
            "Dockerfile | java without the flags     | ENTRYPOINT [\"/app/launch.sh\", \"-jar\", \"/app/service.jar\"] | ENTRYPOINT [\"java\", \"-jar\", \"/app/service.jar\"] | ENTRYPOINT must be exec form /app/launch.sh",
            "Dockerfile | package install at runtime | EXPOSE 8080 | RUN apt-get update | RUN in the runtime stage",
            "launch.sh  | no OOM exit    | -XX:+ExitOnOutOfMemoryError | -XX:+HeapDumpOnOutOfMemoryError | lacks -XX:+ExitOnOutOfMemoryError",
            "launch.sh  | heap of 75 %   | -XX:MaxRAMPercentage=40.0 | -XX:MaxRAMPercentage=75.0 | the rest of the process does not fit the memory limit",
            "launch.sh  | java as child  | exec \"${JAVA_HOME | \"${JAVA_HOME | does not exec java",
    })
    void aBrokenFileIsRejected(String file, String description, String from, String to, String expected) {
        boolean launcher = file.strip().equals(Dockerfiles.LAUNCHER);
        String original = launcher ? launcher() : dockerfile();
        String broken = original.replace(from.strip(), to.strip());
        assertThat(broken).as(description).isNotEqualTo(original);
        assertThat(launcher ? Dockerfiles.launcherViolations(broken) : Dockerfiles.violations(broken))
                .anySatisfy(v -> assertThat(v).contains(expected.strip()));
    }
}
