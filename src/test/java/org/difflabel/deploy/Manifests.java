package org.difflabel.deploy;

import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reading the deployment files (YAML) in the deployment tests. */
final class Manifests {
    private Manifests() {
    }

    /** Every document of a (multi-document) YAML file. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> yaml(Path file) throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object d : new Yaml().loadAll(Files.readString(file))) {
            if (d != null) {
                docs.add((Map<String, Object>) d);
            }
        }
        return docs;
    }

    static Map<String, Object> doc(Path file) throws IOException {
        return yaml(file).get(0);
    }

    /** The node at {@code path} (map keys and list indexes); a missing one fails the test, naming the path. */
    static <T> T at(Object node, Object... path) {
        T n = atOrNull(node, path);
        if (n == null) {
            throw new AssertionError("missing " + List.of(path));
        }
        return n;
    }

    /** The node at {@code path}, or null where the path ends early. */
    @SuppressWarnings("unchecked")
    static <T> T atOrNull(Object node, Object... path) {
        Object n = node;
        for (Object p : path) {
            if (n == null) {
                return null;
            }
            n = p instanceof Integer i ? ((List<Object>) n).get(i) : ((Map<String, Object>) n).get(p);
        }
        return (T) n;
    }
}
