package org.difflabel.replay;

import org.difflabel.contracts.ComparisonKind;
import org.difflabel.contracts.LabelComparison;
import org.difflabel.contracts.ModelResult;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * What a challenger changes, from the comparisons on {@code labels.diff}: agreement, the flip
 * matrix, who was right where a human label exists, confidence changes and cost per event. One
 * section per (champion version, challenger version) pair. Pure: the command reads the topic.
 */
public final class ComparisonReport {
    static final double[] CHANGE_BINS = {-1, -0.5, -0.2, -0.1, -0.02, 0.02, 0.1, 0.2, 0.5, 1.0000001};

    /** The comparisons of one champion/challenger pair. */
    public record Section(String champion, String challenger, List<LabelComparison> compared, int noChampion) {

        public long agree() {
            return compared.stream().filter(c -> c.getKind() == ComparisonKind.AGREE).count();
        }

        public long flips() {
            return compared.stream().filter(c -> c.getKind() == ComparisonKind.FLIP).count();
        }

        public double agreement() {
            return compared.isEmpty() ? Double.NaN : (double) agree() / compared.size();
        }

        /** Labels in the matrix, sorted. */
        public List<String> labels() {
            TreeSet<String> s = new TreeSet<>();
            compared.forEach(c -> {
                s.add(c.getChampion().getTopLabel());
                s.add(c.getChallenger().getTopLabel());
            });
            return List.copyOf(s);
        }

        /** champion label -> challenger label -> count. */
        public Map<String, Map<String, Integer>> matrix() {
            Map<String, Map<String, Integer>> m = new TreeMap<>();
            compared.forEach(c -> m.computeIfAbsent(c.getChampion().getTopLabel(), k -> new TreeMap<>())
                    .merge(c.getChallenger().getTopLabel(), 1, Integer::sum));
            return m;
        }

        public List<LabelComparison> withHuman() {
            return compared.stream().filter(c -> c.getHumanLabel() != null).toList();
        }

        public long fixed() {
            return withHuman().stream().filter(c -> !c.getChampionCorrect() && c.getChallengerCorrect()).count();
        }

        public long broken() {
            return withHuman().stream().filter(c -> c.getChampionCorrect() && !c.getChallengerCorrect()).count();
        }

        public long bothWrong() {
            return withHuman().stream().filter(c -> !c.getChampionCorrect() && !c.getChallengerCorrect()).count();
        }

        public long championRight() {
            return withHuman().stream().filter(LabelComparison::getChampionCorrect).count();
        }

        public long challengerRight() {
            return withHuman().stream().filter(LabelComparison::getChallengerCorrect).count();
        }

        /** Counts of challenger minus champion confidence in {@link #CHANGE_BINS}. */
        public int[] confidenceChanges() {
            int[] h = new int[CHANGE_BINS.length - 1];
            for (LabelComparison c : compared) {
                double d = c.getChallenger().getConfidence() - c.getChampion().getConfidence();
                for (int i = 0; i < h.length; i++) {
                    if (d >= CHANGE_BINS[i] && d < CHANGE_BINS[i + 1]) {
                        h[i]++;
                        break;
                    }
                }
            }
            return h;
        }

        /** Counts of a model's confidence in ten bins of 0.1. */
        public int[] confidences(boolean challengerSide) {
            int[] h = new int[10];
            for (LabelComparison c : compared) {
                ModelResult r = challengerSide ? c.getChallenger() : c.getChampion();
                h[Math.min(9, (int) (r.getConfidence() * 10))]++;
            }
            return h;
        }
    }

    private final List<Section> sections;

    private ComparisonReport(List<Section> sections) {
        this.sections = sections;
    }

    /** The report of {@code comparisons}: the newest comparison per event id counts. */
    public static ComparisonReport of(Collection<LabelComparison> comparisons) {
        Map<String, LabelComparison> newest = new LinkedHashMap<>();
        for (LabelComparison c : comparisons) {
            newest.merge(c.getEventId() + "\u0000" + version(c.getChallenger()), c,
                    (a, b) -> b.getComparedAt().isBefore(a.getComparedAt()) ? a : b);
        }
        Map<String, List<LabelComparison>> byChallenger = new TreeMap<>();
        newest.values().forEach(c -> byChallenger.computeIfAbsent(version(c.getChallenger()), k -> new ArrayList<>()).add(c));
        List<Section> sections = new ArrayList<>();
        byChallenger.forEach((challenger, list) -> {
            Map<String, List<LabelComparison>> byChampion = new TreeMap<>();
            int missing = 0;
            for (LabelComparison c : list) {
                if (c.getChampion() == null) {
                    missing++;
                } else {
                    byChampion.computeIfAbsent(version(c.getChampion()), k -> new ArrayList<>()).add(c);
                }
            }
            if (byChampion.isEmpty()) {
                sections.add(new Section("(none)", challenger, List.of(), missing));
            }
            int first = missing;
            for (var e : byChampion.entrySet()) {
                sections.add(new Section(e.getKey(), challenger, List.copyOf(e.getValue()), first));
                first = 0;
            }
        });
        return new ComparisonReport(List.copyOf(sections));
    }

    public List<Section> sections() {
        return sections;
    }

    static String version(ModelResult r) {
        return r.getModelId() + " " + r.getModelVersion();
    }

    /** The report as Markdown. */
    public String markdown() {
        StringBuilder b = new StringBuilder();
        if (sections.isEmpty()) {
            return "No comparisons found.\n";
        }
        for (Section s : sections) {
            b.append(String.format(Locale.ROOT, "## %s (champion) vs %s (challenger)%n%n", s.champion(), s.challenger()));
            int n = s.compared().size();
            b.append(String.format(Locale.ROOT, "- events compared: %d; without a champion result: %d%n", n, s.noChampion()));
            if (n == 0) {
                b.append('\n');
                continue;
            }
            b.append(String.format(Locale.ROOT, "- agreement: %.2f%% (%d agree, %d flips)%n", 100 * s.agreement(), s.agree(),
                    s.flips()));
            int h = s.withHuman().size();
            if (h > 0) {
                b.append(String.format(Locale.ROOT, "- against %d human labels: champion %.2f%% right, challenger %.2f%% right;"
                                + " fixed %d, broken %d, both wrong %d%n", h, 100.0 * s.championRight() / h,
                        100.0 * s.challengerRight() / h, s.fixed(), s.broken(), s.bothWrong()));
            } else {
                b.append("- no human labels for these events\n");
            }
            b.append('\n').append(costTable(s)).append('\n');
            b.append("Flip matrix (rows: champion's label, columns: challenger's label):\n\n");
            List<String> labels = s.labels();
            b.append("| champion \\ challenger |");
            labels.forEach(l -> b.append(' ').append(l).append(" |"));
            b.append("\n|---|");
            labels.forEach(l -> b.append("---|"));
            b.append('\n');
            Map<String, Map<String, Integer>> m = s.matrix();
            for (String row : labels) {
                b.append("| **").append(row).append("** |");
                for (String col : labels) {
                    int c = m.getOrDefault(row, Map.of()).getOrDefault(col, 0);
                    b.append(' ').append(c == 0 ? "." : row.equals(col) ? String.valueOf(c) : "**" + c + "**").append(" |");
                }
                b.append('\n');
            }
            b.append("\nConfidence change (challenger minus champion):\n\n| change | events |\n|---|---|\n");
            int[] ch = s.confidenceChanges();
            for (int i = 0; i < ch.length; i++) {
                b.append(String.format(Locale.ROOT, "| %s | %d |%n", binLabel(i), ch[i]));
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static String costTable(Section s) {
        StringBuilder b = new StringBuilder("| model | evaluations / event (mean, p50, p95) | ms / event (mean, p50, p95) |\n|---|---|---|\n");
        for (boolean challenger : new boolean[]{false, true}) {
            List<ModelResult> rs = s.compared().stream().map(c -> challenger ? c.getChallenger() : c.getChampion()).toList();
            b.append(String.format(Locale.ROOT, "| %s (%s) | %s | %s |%n", challenger ? s.challenger() : s.champion(),
                    challenger ? "challenger" : "champion", stats(rs, r -> r.getEvaluations()), stats(rs, r -> r.getLatencyMs())));
        }
        return b.toString();
    }

    private static String stats(List<ModelResult> rs, ToDoubleFunction<ModelResult> f) {
        double[] v = rs.stream().mapToDouble(f).sorted().toArray();
        double mean = Arrays.stream(v).average().orElse(Double.NaN);
        return String.format(Locale.ROOT, "%.1f, %.0f, %.0f", mean, pct(v, 50), pct(v, 95));
    }

    static double pct(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static String binLabel(int i) {
        return String.format(Locale.ROOT, "[%+.2f, %+.2f)", CHANGE_BINS[i], Math.min(1, CHANGE_BINS[i + 1]));
    }
}
