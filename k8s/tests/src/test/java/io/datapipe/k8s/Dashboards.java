package io.datapipe.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Grafana dashboards in dashboards/ and the rules they must follow, as checks that return the
 * problems they find (none: the dashboard is fine), so that tests can also break a copy and see
 * the check fail.
 */
final class Dashboards {

    static final Path DIR = Repo.ROOT.resolve("dashboards");
    /** Panel types that show no query: layout and prose. */
    static final Set<String> WITHOUT_QUERY = Set.of("row", "text");
    /** A namespace label matcher in a query: its value must be the dashboard's variable. */
    private static final Pattern NAMESPACE_MATCHER = Pattern.compile("\\bnamespace\\s*(=~|!~|!=|=)\\s*\"([^\"]*)\"");
    /** An environment's namespace written into a dashboard. */
    private static final Pattern ENVIRONMENT_NAMESPACE = Pattern.compile("datapipe-(dev|stg|prd)\\b");

    private Dashboards() {
    }

    static List<Path> files() {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode read(Path file) {
        try {
            return (ObjectNode) Yaml.JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(file + " is not JSON", e);
        }
    }

    /** Every panel, those inside (collapsed) rows included. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            out.add(panel);
            panel.path("panels").forEach(out::add);
        }
        return out;
    }

    static JsonNode variable(JsonNode dashboard, String name) {
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if (name.equals(v.path("name").asText())) {
                return v;
            }
        }
        return null;
    }

    /** The structural rules every dashboard follows. */
    static List<String> problems(String file, JsonNode d) {
        List<String> out = new ArrayList<>();
        String uid = file.replaceFirst("\\.json$", "");
        if (!uid.equals(d.path("uid").asText())) {
            out.add(file + ": uid must be '" + uid + "' (the file name), not '" + d.path("uid").asText() + "'");
        }
        if (!d.path("title").asText().startsWith("datapipe")) {
            out.add(file + ": title must start with 'datapipe'");
        }
        if (d.path("schemaVersion").asInt() < 36) {
            out.add(file + ": schemaVersion " + d.path("schemaVersion").asInt() + " is older than Grafana 9 (36)");
        }
        if (d.has("id") && !d.path("id").isNull()) {
            out.add(file + ": an exported 'id' ties the dashboard to one Grafana database; remove it");
        }
        JsonNode ds = variable(d, "datasource");
        if (ds == null || !"datasource".equals(ds.path("type").asText()) || !"prometheus".equals(ds.path("query").asText())) {
            out.add(file + ": no 'datasource' variable of type datasource for prometheus");
        }
        JsonNode ns = variable(d, "namespace");
        if (ns == null || !"query".equals(ns.path("type").asText())) {
            out.add(file + ": no 'namespace' query variable");
        }
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : panels(d)) {
            String type = panel.path("type").asText();
            String where = file + ": panel '" + panel.path("title").asText() + "' (" + type + ")";
            if (!ids.add(panel.path("id").asInt())) {
                out.add(where + ": duplicate panel id " + panel.path("id").asInt());
            }
            if (WITHOUT_QUERY.contains(type)) {
                continue;
            }
            List<JsonNode> targets = new ArrayList<>();
            panel.path("targets").forEach(targets::add);
            if (targets.isEmpty() || targets.stream().anyMatch(t -> t.path("expr").asText().isBlank())) {
                out.add(where + ": a panel that is neither a row nor text needs queries, each with an expr");
            }
            if (!"${datasource}".equals(panel.path("datasource").path("uid").asText())
                    || targets.stream().anyMatch(t -> !"${datasource}".equals(t.path("datasource").path("uid").asText("${datasource}")))) {
                out.add(where + ": must query the ${datasource} variable, not a fixed data source");
            }
            if (panel.path("fieldConfig").path("defaults").path("unit").asText().isBlank()) {
                out.add(where + ": no unit (fieldConfig.defaults.unit)");
            }
            // Thresholds step up: each step's value above the one before (the first is the base, null).
            double last = Double.NEGATIVE_INFINITY;
            for (JsonNode step : panel.path("fieldConfig").path("defaults").path("thresholds").path("steps")) {
                if (!step.path("value").isNull() && !step.path("value").isMissingNode()) {
                    if (step.path("value").asDouble() <= last) {
                        out.add(where + ": threshold steps must increase: " + step.path("value").asText() + " after " + last);
                    }
                    last = step.path("value").asDouble();
                }
            }
            // A legend says which line is which: every query of a panel with several names its series.
            if (targets.size() > 1 && !"stat".equals(type) && !"gauge".equals(type)) {
                for (JsonNode t : targets) {
                    if (t.path("legendFormat").asText().isBlank()) {
                        out.add(where + ": query " + t.path("refId").asText() + " has no legendFormat beside the others");
                    }
                }
            }
            for (JsonNode t : targets) {
                Matcher m = NAMESPACE_MATCHER.matcher(t.path("expr").asText());
                while (m.find()) {
                    if (!List.of("$namespace", "${namespace}").contains(m.group(2)) || !"=".equals(m.group(1))) {
                        out.add(where + ": namespace matcher " + m.group() + " must be namespace=\"$namespace\"");
                    }
                }
            }
        }
        Matcher env = ENVIRONMENT_NAMESPACE.matcher(d.toString());
        if (env.find()) {
            out.add(file + ": names the namespace " + env.group() + "; use the namespace variable");
        }
        return out;
    }
}
