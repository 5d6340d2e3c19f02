package io.datapipe.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The base and the components stay environment-neutral: no region, account or endpoint of any environment. */
class BaseTest {

    /** AWS region names (eu-west-1, us-gov-west-1...). */
    static final Pattern REGION = Pattern.compile("\\b[a-z]{2}(-gov)?-(north|south|east|west|central|northeast|southeast|northwest|southwest)-\\d\\b");
    static final Pattern ACCOUNT = Pattern.compile("\\b\\d{12}\\b");

    @Test
    void theBaseRendersAndValidates() {
        List<ObjectNode> base = Kustomize.render(Repo.K8S.resolve("base"));
        assertThat(base).isNotEmpty();
        assertThat(SchemaValidator.errors(base)).isEmpty();
    }

    @Test
    void noRegionOrAccountIsHardCodedOutsideTheOverlays() throws IOException {
        for (Path dir : List.of(Repo.K8S.resolve("base"), Repo.K8S.resolve("components"))) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    String text = Files.readString(file);
                    assertThat(REGION.matcher(text).find()).as(file + " names an AWS region").isFalse();
                    assertThat(ACCOUNT.matcher(text).find()).as(file + " names an AWS account").isFalse();
                }
            }
        }
    }

    @Test
    void theRegionCheckWouldCatchOne() {
        assertThat(REGION.matcher("region: eu-west-1").find()).isTrue();
        assertThat(REGION.matcher("x-delivery-limit: 5").find()).isFalse();
    }
}
