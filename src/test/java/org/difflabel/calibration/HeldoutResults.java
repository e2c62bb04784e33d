package org.difflabel.calibration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The committed per-image results of mnist-ddpm 1.0.0 on the held-out digits
 * ({@code scripts/calibration-data.sh}): what a LabelPosterior carries, the true label, and each
 * label's mean error after every stage (so the exact staged posterior can be recomputed).
 */
public final class HeldoutResults {
    public static final String CLEAN = "/calibration/mnist-ddpm-1.0.0-heldout.jsonl.gz";
    public static final String SHIFTED = "/calibration/mnist-ddpm-1.0.0-shifted.jsonl.gz";

    /** One image: the result, the true label, the stages and every label's per-stage means. */
    public record Row(ScoredResult result, String truth, int[][] stages, double[][] stageMeans) {
        public CalibrationItem asDatasetItem() {
            return new CalibrationItem(result, truth, 1.0);
        }
    }

    private HeldoutResults() {
    }

    public static List<Row> load(String resource) {
        ObjectMapper json = new ObjectMapper();
        List<Row> rows = new ArrayList<>();
        try (InputStream raw = HeldoutResults.class.getResourceAsStream(resource)) {
            if (raw == null) {
                throw new IllegalStateException("missing test resource " + resource + " (scripts/calibration-data.sh)");
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                JsonNode n = json.readTree(line);
                List<LabelResult> labels = new ArrayList<>();
                JsonNode ls = n.get("labels");
                double[][] means = new double[ls.size()][];
                for (int i = 0; i < ls.size(); i++) {
                    JsonNode l = ls.get(i);
                    labels.add(new LabelResult(l.get("label").asText(), l.get("probability").asDouble(),
                            l.get("meanError").asDouble(), l.get("samples").asInt()));
                    means[i] = new double[l.get("stageMeans").size()];
                    for (int s = 0; s < means[i].length; s++) {
                        means[i][s] = l.get("stageMeans").get(s).asDouble();
                    }
                }
                JsonNode st = n.get("stages");
                int[][] stages = new int[st.size()][2];
                for (int s = 0; s < stages.length; s++) {
                    stages[s][0] = st.get(s).get(0).asInt();
                    stages[s][1] = st.get(s).get(1).asInt();
                }
                rows.add(new Row(new ScoredResult(n.get("id").asText(), labels, n.get("temperature").asDouble()),
                        n.get("truth").asText(), stages, means));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rows;
    }

    /**
     * The worker's staged posterior at temperature t from the per-stage means, as
     * DiffusionClassifier computes it (the reference the record-only recomputation is checked against).
     */
    public static double[] exactStaged(Row row, double t) {
        int n = row.result().labels().size();
        double[] out = new double[n];
        double mass = 1;
        for (int s = 0; s < row.stages().length; s++) {
            int samples = row.stages()[s][0];
            List<Integer> alive = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (row.result().labels().get(i).samples() >= samples) {
                    alive.add(i);
                }
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int i : alive) {
                max = Math.max(max, -row.stageMeans()[i][s] / t);
            }
            double sum = 0;
            double[] q = new double[alive.size()];
            for (int a = 0; a < q.length; a++) {
                q[a] = Math.exp(-row.stageMeans()[alive.get(a)][s] / t - max);
                sum += q[a];
            }
            double kept = 0;
            for (int a = 0; a < q.length; a++) {
                int i = alive.get(a);
                if (row.result().labels().get(i).samples() > samples) {
                    kept += q[a] / sum;
                } else {
                    out[i] = mass * q[a] / sum;
                }
            }
            mass *= kept;
        }
        return out;
    }
}
