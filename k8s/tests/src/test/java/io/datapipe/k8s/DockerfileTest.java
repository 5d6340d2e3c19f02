package io.datapipe.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The three images follow the build layout contract and the image rules. */
class DockerfileTest {

    static String dockerfile(String service) {
        return Yaml.read(Repo.ROOT.resolve("services").resolve(service).resolve("Dockerfile"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"generator", "persister", "web"})
    void followsTheImageRules(String service) {
        assertThat(Dockerfiles.violations(dockerfile(service), service)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"generator", "persister", "web"})
    void theContextHoldsOnlyWhatMavenBuilt(String service) {
        Path ignore = Repo.ROOT.resolve("services").resolve(service).resolve(".dockerignore");
        List<String> rules = Yaml.read(ignore).lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertThat(rules).containsExactly("*", "!target/datapipe-" + service + ".jar", "!target/libs/", "!target/otel/opentelemetry-javaagent.jar");
    }

    @Test
    void theThreeDifferOnlyInTheServiceName() {
        String generator = dockerfile("generator").replace("generator", "SERVICE");
        assertThat(dockerfile("persister").replace("persister", "SERVICE")).isEqualTo(generator);
        assertThat(dockerfile("web").replace("web", "SERVICE")).isEqualTo(generator);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "latest base image          | ARG JRE_IMAGE=eclipse-temurin:21.0.8_9-jre-noble | ARG JRE_IMAGE=eclipse-temurin:latest | not an exact eclipse-temurin JRE 21+ tag",
            "floating major tag         | ARG JRE_IMAGE=eclipse-temurin:21.0.8_9-jre-noble | ARG JRE_IMAGE=eclipse-temurin:21-jre  | not an exact eclipse-temurin JRE 21+ tag",
            "Java 17                    | ARG JRE_IMAGE=eclipse-temurin:21.0.8_9-jre-noble | ARG JRE_IMAGE=eclipse-temurin:17.0.15_6-jre | not an exact eclipse-temurin JRE 21+ tag",
            "root user                  | USER 10001:10001 | USER root | numeric, non-root UID",
            "UID 0                      | USER 10001:10001 | USER 0    | numeric, non-root UID",
            "health check               | EXPOSE 8080 | HEALTHCHECK CMD curl -f http://localhost:8080/health/live | HEALTHCHECK",
            "no agent                   | -javaagent:/opt/otel/opentelemetry-javaagent.jar | -Dx=y | lacks -javaagent",
            "no OOM exit                | -XX:+ExitOnOutOfMemoryError | -XX:+HeapDumpOnOutOfMemoryError | lacks -XX:+ExitOnOutOfMemoryError",
            "heap of 75 %               | -XX:MaxRAMPercentage=40.0 | -XX:MaxRAMPercentage=75.0 | the rest of the process does not fit the memory limit",
            "source copied in           | COPY target/datapipe-web.jar /app/datapipe-web.jar | COPY src/ /app/src/ | the image takes only what Maven built",
            "shell-form entrypoint      | ENTRYPOINT [\"java\", \"-jar\", \"/app/datapipe-web.jar\"] | ENTRYPOINT java -jar /app/datapipe-web.jar | ENTRYPOINT must be exec form",
            "package install at runtime | EXPOSE 8080 | RUN apt-get update | RUN in the runtime stage",
    })
    void aBrokenDockerfileIsRejected(String description, String from, String to, String expected) {
        String broken = dockerfile("web").replace(from.strip(), to.strip());
        assertThat(broken).as(description).isNotEqualTo(dockerfile("web"));
        assertThat(Dockerfiles.violations(broken, "web")).anySatisfy(v -> assertThat(v).contains(expected.strip()));
    }
}
