package org.difflabel.classifier;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a request spends its noise-prediction evaluations: a fixed {@link Staged} schedule, or
 * {@link Sequential} paired elimination, which stops as soon as the data decide.
 *
 * <p>Specs ({@code --samples}, {@code labeler.model.stages}): {@code 64} (flat), {@code 16:3,64:1}
 * (stages), {@code sequential} (the model's sequential plan) or
 * {@code sequential:block=8,min=8,max=64,alpha=0.01,weights=on} (any of the keys; the rest from
 * the model's plan, else {@link Sequential#DEFAULT}).
 */
public sealed interface Schedule permits Schedule.Staged, Schedule.Sequential {

    /** The most samples any label can get. */
    int maxSamples();

    /** The spec that parses back to this schedule. */
    String spec();

    static Schedule parse(String spec) {
        return parse(spec, Sequential.DEFAULT);
    }

    /** Parses a spec; unspecified keys of a sequential spec come from {@code base}. */
    static Schedule parse(String spec, Sequential base) {
        String s = spec.trim();
        if (s.equals("sequential") || s.startsWith("sequential:")) {
            return Sequential.parse(s.substring("sequential".length()), base);
        }
        return new Staged(Stage.parse(s));
    }

    /** Today's fixed schedule: every label in play gets each stage's samples, the best {@code keep} go on. */
    record Staged(List<Stage> stages) implements Schedule {
        public Staged {
            Stage.validate(stages);
            stages = List.copyOf(stages);
        }

        @Override
        public int maxSamples() {
            return stages.get(stages.size() - 1).samples();
        }

        @Override
        public String spec() {
            return stages.stream().map(Stage::toString).collect(Collectors.joining(","));
        }

        @Override
        public String toString() {
            return spec();
        }
    }

    /**
     * Sequential paired elimination. Shared (t, eps) samples are evaluated in blocks of
     * {@code block} over every label still in play; from {@code minSamples} on, after each block,
     * each label is compared with the leader (lowest mean error) by a one-sided paired t-test on
     * its per-sample error differences, and the labels significantly worse than the leader are
     * dropped; it stops when one label is left or at {@code maxSamples}.
     *
     * <p>Error control: the chance of ever dropping the label with the lowest expected error
     * (the one an unlimited budget would choose) is at most {@code alpha}, by a Bonferroni bound
     * over the comparisons (labels - 1) and the looks (one per block from {@code minSamples} to
     * {@code maxSamples}): each test runs at level alpha / (comparisons x looks). Bonferroni is
     * chosen over group-sequential boundaries (Pocock, O'Brien-Fleming) because it holds for any
     * dependence between the looks and the labels, which here share their noise samples, and
     * needs no tables; it is conservative, which the minimum sample count and a small block keep
     * cheap. The t-test assumes roughly normal differences; the minimum sample count is there
     * because per-sample errors are skewed and a t-test on 2-3 samples is not to be trusted.
     *
     * @param weighted use the model's timestep weights (fitted per model) for the error average
     *                 and the order samples are visited in; without weights (or a model that has
     *                 none) the nested even grids of {@link SamplingPlan}
     */
    record Sequential(int block, int minSamples, int maxSamples, double alpha, boolean weighted) implements Schedule {
        public static final Sequential DEFAULT = new Sequential(8, 8, 64, 0.01, true);

        public Sequential {
            if (block < 1) {
                throw new IllegalArgumentException("sequential block must be >= 1, got " + block);
            }
            if (minSamples < 2) {
                throw new IllegalArgumentException("sequential min must be >= 2 (a paired test needs two samples), got "
                        + minSamples);
            }
            if (maxSamples < minSamples) {
                throw new IllegalArgumentException("sequential max (" + maxSamples + ") must be >= min (" + minSamples + ")");
            }
            if (!(alpha > 0 && alpha < 1)) {
                throw new IllegalArgumentException("sequential alpha must be in (0, 1), got " + alpha);
            }
        }

        /** The sample counts at which the test runs: min, min + block, ..., max. */
        public int looks() {
            return 1 + (maxSamples - minSamples + block - 1) / block;
        }

        /** The sample count after the block that follows {@code done} samples. */
        int next(int done) {
            return done == 0 ? minSamples : Math.min(maxSamples, done + block);
        }

        /** The per-test level for {@code labels} labels: alpha over comparisons x looks. */
        public double perTestLevel(int labels) {
            return alpha / (Math.max(1, labels - 1) * (double) looks());
        }

        @Override
        public String spec() {
            return String.format(Locale.ROOT, "sequential:block=%d,min=%d,max=%d,alpha=%s,weights=%s", block, minSamples,
                    maxSamples, alpha, weighted ? "on" : "off");
        }

        @Override
        public String toString() {
            return spec();
        }

        static Sequential parse(String rest, Sequential base) {
            int block = base.block;
            int min = base.minSamples;
            int max = base.maxSamples;
            double alpha = base.alpha;
            boolean weighted = base.weighted;
            String body = rest.startsWith(":") ? rest.substring(1) : rest;
            if (!body.isBlank()) {
                for (String kv : body.split(",")) {
                    String[] p = kv.split("=", 2);
                    if (p.length != 2) {
                        throw new IllegalArgumentException("bad sequential setting '" + kv
                                + "': expected key=value, e.g. sequential:block=8,min=8,max=64,alpha=0.01");
                    }
                    String key = p[0].trim();
                    String value = p[1].trim();
                    try {
                        switch (key) {
                            case "block" -> block = Integer.parseInt(value);
                            case "min" -> min = Integer.parseInt(value);
                            case "max" -> max = Integer.parseInt(value);
                            case "alpha" -> alpha = Double.parseDouble(value);
                            case "weights" -> weighted = switch (value) {
                                case "on" -> true;
                                case "off" -> false;
                                default -> throw new IllegalArgumentException("weights must be on or off, got " + value);
                            };
                            default -> throw new IllegalArgumentException("unknown sequential setting '" + key
                                    + "' (known: block, min, max, alpha, weights)");
                        }
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("bad number in sequential setting '" + kv + "'");
                    }
                }
            }
            return new Sequential(block, min, max, alpha, weighted);
        }
    }
}
