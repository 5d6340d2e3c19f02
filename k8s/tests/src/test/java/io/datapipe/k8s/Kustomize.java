package io.datapipe.k8s;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** `kubectl kustomize`, memoised: several test classes look at the same rendering. */
final class Kustomize {

    private static final Map<Path, String> RENDERED = new ConcurrentHashMap<>();

    private Kustomize() {
    }

    static String renderText(Path dir) {
        return RENDERED.computeIfAbsent(dir.toAbsolutePath().normalize(),
                d -> Commands.output(Repo.ROOT, List.of("kubectl", "kustomize", d.toString())));
    }

    static List<ObjectNode> render(Path dir) {
        return Yaml.copy(Yaml.documents(renderText(dir)));
    }
}
