package io.datapipe.k8s;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths of the repository under test. Surefire passes the root as datapipe.repo; an IDE run falls back to ../.. */
final class Repo {

    static final Path ROOT = locate();
    static final Path K8S = ROOT.resolve("k8s");
    static final Path TESTS = K8S.resolve("tests");
    /** The chart, with files/ laid from the single sources by scripts/chart-files.sh, as make chart does. */
    static final Path CHART = chart();
    static final Path ARGOCD = ROOT.resolve("argocd");
    static final Path WORKFLOWS = ROOT.resolve(".github/workflows");

    /** The environments, each an overlay under k8s/overlays and a values file of the chart. */
    static final String[] ENVIRONMENTS = {"dev", "stg", "prd"};

    private Repo() {
    }

    static Path overlay(String env) {
        return K8S.resolve("overlays").resolve(env);
    }

    private static Path chart() {
        Commands.output(ROOT, java.util.List.of("bash", "scripts/chart-files.sh"));
        return ROOT.resolve("charts/datapipe");
    }

    private static Path locate() {
        String configured = System.getProperty("datapipe.repo");
        Path root = (configured != null ? Path.of(configured) : Path.of("../..")).toAbsolutePath().normalize();
        if (!Files.isDirectory(root.resolve("k8s/base"))) {
            throw new IllegalStateException("not the datapipe repository: " + root);
        }
        return root;
    }
}
