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
 * {@code sequential:block=4,min=4,max=64,level=0.01,weights=off} (any of the keys; the rest from
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
     * its per-sample error differences, and the labels significantly worse than the leader at
     * {@code level} are dropped, worst first; it stops when one label is left or at {@code maxSamples}.
     *
     * <p>The test. Per-sample errors differ by three orders of magnitude across timesteps (a
     * sample at t = 1 errs ~0.3, at t = 900 ~0.0002), so a t-test on raw differences mostly
     * measures which timesteps were drawn and has no power. Each difference is therefore divided
     * by its timestep's scale (the spread of wrong-minus-true differences at that timestep on the
     * model's validation split, {@link TimestepWeights#scales()}), and the variance is pooled over
     * all comparisons with the leader (one residual variance, df = comparisons x (n - 1)): with
     * standardized differences the comparisons share a scale, and pooling buys the degrees of
     * freedom a 4-sample test otherwise lacks.
     *
     * <p>Error control. {@code level} is the level of each single test. By Bonferroni, the chance
     * of ever dropping the label with the lowest expected error (the one an unlimited budget would
     * choose) is at most level x (labels - 1) x looks ({@link #familyWiseBound}); Bonferroni holds
     * for any dependence between looks and labels, which share their noise samples. For 10 labels
     * and levels that save anything that bound exceeds 1: a plan's real accuracy cost is then
     * measured, not promised (`sweep` reports, on held-out images, accuracy and how often the plan
     * disagrees with the flat full budget), and the plan a model ships is chosen on its validation
     * split. The minimum sample count is there because per-sample errors are skewed and a test on
     * 2-3 samples is not to be trusted.
     *
     * @param weighted also weight the error average by the model's timestep weights and visit the
     *                 samples most informative first; off: the nested even grids of
     *                 {@link SamplingPlan} (measured better on MNIST: see BENCHMARKS.md)
     */
    record Sequential(int block, int minSamples, int maxSamples, double level, boolean weighted) implements Schedule {
        public static final Sequential DEFAULT = new Sequential(4, 4, 64, 0.01, false);

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
            if (!(level > 0 && level < 1)) {
                throw new IllegalArgumentException("sequential level must be in (0, 1), got " + level);
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

        /** Bonferroni's bound on dropping the full-budget winner, for {@code labels} labels (at most 1). */
        public double familyWiseBound(int labels) {
            return Math.min(1.0, level * Math.max(1, labels - 1) * looks());
        }

        @Override
        public String spec() {
            return String.format(Locale.ROOT, "sequential:block=%d,min=%d,max=%d,level=%s,weights=%s", block, minSamples,
                    maxSamples, level, weighted ? "on" : "off");
        }

        @Override
        public String toString() {
            return spec();
        }

        static Sequential parse(String rest, Sequential base) {
            int block = base.block;
            int min = base.minSamples;
            int max = base.maxSamples;
            double level = base.level;
            boolean weighted = base.weighted;
            String body = rest.startsWith(":") ? rest.substring(1) : rest;
            if (!body.isBlank()) {
                for (String kv : body.split(",")) {
                    String[] p = kv.split("=", 2);
                    if (p.length != 2) {
                        throw new IllegalArgumentException("bad sequential setting '" + kv
                                + "': expected key=value, e.g. sequential:block=4,min=4,max=64,level=0.01");
                    }
                    String key = p[0].trim();
                    String value = p[1].trim();
                    try {
                        switch (key) {
                            case "block" -> block = Integer.parseInt(value);
                            case "min" -> min = Integer.parseInt(value);
                            case "max" -> max = Integer.parseInt(value);
                            case "level" -> level = Double.parseDouble(value);
                            case "weights" -> weighted = switch (value) {
                                case "on" -> true;
                                case "off" -> false;
                                default -> throw new IllegalArgumentException("weights must be on or off, got " + value);
                            };
                            default -> throw new IllegalArgumentException("unknown sequential setting '" + key
                                    + "' (known: block, min, max, level, weights)");
                        }
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("bad number in sequential setting '" + kv + "'");
                    }
                }
            }
            return new Sequential(block, min, max, level, weighted);
        }
    }
}
