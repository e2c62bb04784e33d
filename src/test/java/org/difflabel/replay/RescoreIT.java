package org.difflabel.replay;

import org.difflabel.config.LabelerConfig;
import org.difflabel.contracts.ComparisonKind;
import org.difflabel.contracts.LabelComparison;
import org.difflabel.contracts.LabelPosterior;
import org.difflabel.model.LabelModel;
import org.difflabel.worker.LabelingAssembly;
import org.difflabel.worker.RescoreRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Re-scoring on a real broker and registry: the champion scores the events first, then a bounded
 * re-score or a live challenger writes labels.rescored and labels.diff, and nothing the champion
 * wrote changes.
 */
class RescoreIT {
    private static final int EVENTS = 12;

    @TempDir
    Path tmp;

    @Test
    void rescoresExactlyTheWindowOnceAndTouchesNothingDownstream() throws Exception {
        try (ReplayFixture f = new ReplayFixture(2)) {
            f.produce(EVENTS);
            LabelerConfig config = f.config(Map.of());
            scoreWithChampion(f, config);
            long accepted = f.count(f.topics.accepted());
            long review = f.count(f.topics.review());

            // a window covering events 3..8 (event i is stamped T0 + i s; --to is exclusive)
            try (LabelModel challenger = LabelModel.load(ReplayFixture.otherVersion(tmp.resolve("v2"), "1.0.0-shadow"),
                    config.modelOptions(1))) {
                RescoreRun run = new RescoreRun(f.assembly(config, challenger), Map.of(), Duration.ofSeconds(1),
                        quiet(), quiet());
                var window = run.resolve(ReplayFixture.T0.plusSeconds(3), ReplayFixture.T0.plusSeconds(9));
                assertThat(window.window().size()).as("offsets in the window").isEqualTo(6);
                RescoreRun.Summary s = run.run(window.window());
                assertThat(s.labelled()).isEqualTo(6);
            }

            List<String> expected = List.of("event-3", "event-4", "event-5", "event-6", "event-7", "event-8");
            List<LabelPosterior> rescored = f.rescored();
            assertThat(rescored).extracting(LabelPosterior::getEventId).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(rescored).allSatisfy(p -> assertThat(p.getModelVersion()).isEqualTo("1.0.0-shadow"));
            List<LabelComparison> diffs = f.diffs();
            assertThat(diffs).extracting(LabelComparison::getEventId).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(diffs).allSatisfy(d -> {
                assertThat(d.getKind()).isIn(ComparisonKind.AGREE, ComparisonKind.FLIP);
                assertThat(d.getChampion().getModelVersion()).isEqualTo("1.0.0");
                assertThat(d.getChallenger().getModelVersion()).isEqualTo("1.0.0-shadow");
            });
            assertThat(f.count(f.topics.accepted())).as("labels.accepted unchanged").isEqualTo(accepted);
            assertThat(f.count(f.topics.review())).as("labels.review unchanged").isEqualTo(review);
            assertThat(f.count(f.topics.scored())).as("labels.scored unchanged").isEqualTo(EVENTS);

            // the same command again: the window is done, nothing is re-scored
            try (LabelModel challenger = LabelModel.load(tmp.resolve("v2"), config.modelOptions(1))) {
                RescoreRun again = new RescoreRun(f.assembly(config, challenger), Map.of(), Duration.ofSeconds(1),
                        quiet(), quiet());
                RescoreRun.Summary s = again.run(again.resolve(ReplayFixture.T0.plusSeconds(3),
                        ReplayFixture.T0.plusSeconds(9)).window());
                assertThat(s.labelled()).isZero();
            }
            assertThat(f.rescored()).hasSize(6);
        }
    }

    @Test
    void theChampionsOwnModelAgreesEverywhereBitForBit() throws Exception {
        try (ReplayFixture f = new ReplayFixture(2)) {
            f.produce(EVENTS);
            LabelerConfig config = f.config(Map.of());
            scoreWithChampion(f, config);
            f.reviewed(Map.of("event-0", "0", "event-1", "1", "event-2", "7")); // human labels for three events
            try (LabelModel same = LabelModel.load(ReplayFixture.CHAMPION_MODEL, config.modelOptions(1))) {
                RescoreRun run = new RescoreRun(f.assembly(config, same), Map.of(), Duration.ofSeconds(1), quiet(), quiet());
                run.run(run.resolve(null, null).window());
            }
            Map<String, LabelPosterior> champion = byId(f.scored());
            Map<String, LabelPosterior> rescored = byId(f.rescored());
            assertThat(rescored).hasSize(EVENTS);
            rescored.forEach((id, p) -> assertThat(p.getPosterior()).as(id).isEqualTo(champion.get(id).getPosterior()));
            List<LabelComparison> diffs = f.diffs();
            assertThat(diffs).hasSize(EVENTS).allSatisfy(d -> assertThat(d.getKind()).isEqualTo(ComparisonKind.AGREE));
            // the human labels are joined: each model judged against them
            Map<String, LabelComparison> byEvent = diffs.stream().collect(Collectors.toMap(LabelComparison::getEventId, d -> d));
            Map.of("event-0", "0", "event-1", "1", "event-2", "7").forEach((id, label) -> {
                LabelComparison d = byEvent.get(id);
                assertThat(d.getHumanLabel()).isEqualTo(label);
                assertThat(d.getChampionCorrect()).isEqualTo(champion.get(id).getTopLabel().equals(label));
                assertThat(d.getChallengerCorrect()).isEqualTo(d.getChampionCorrect());
            });
            assertThat(byEvent.get("event-3").getHumanLabel()).isNull();
            assertThat(byEvent.get("event-3").getChampionCorrect()).isNull();
        }
    }

    @Test
    void aChallengerResultAheadOfTheChampionsIsComparedWhenItArrives() throws Exception {
        try (ReplayFixture f = new ReplayFixture(2);
             LabelModel champion = LabelModel.load(ReplayFixture.CHAMPION_MODEL, f.config(Map.of()).modelOptions(1));
             LabelModel challenger = LabelModel.load(ReplayFixture.otherVersion(tmp.resolve("v2"), "1.0.0-shadow"),
                     f.config(Map.of()).modelOptions(1))) {
            f.produce(EVENTS);
            // 1. the live challenger runs first: no champion result exists yet
            LabelingAssembly shadow = f.assembly(f.config(Map.of("labeler.worker.role", "challenger")), challenger);
            assertThat(shadow.applicationId()).isEqualTo("diffusion-labeler-challenger-mnist-ddpm-1.0.0-shadow");
            try (var streams = shadow.streams(org.difflabel.stream.LabelingMetrics.none())) {
                streams.start();
                await(() -> f.diffs().size() >= EVENTS, Duration.ofMinutes(3));
                assertThat(f.diffs()).allSatisfy(d -> assertThat(d.getKind()).isEqualTo(ComparisonKind.NO_CHAMPION_RESULT));
                // 2. the champion catches up while the challenger keeps running
                scoreWithChampion(f, f.config(Map.of()), champion);
                await(() -> f.diffs().size() >= 2 * EVENTS, Duration.ofMinutes(1));
                Thread.sleep(2000); // room for a duplicate comparison to show
            }
            List<LabelComparison> diffs = f.diffs();
            Map<String, List<ComparisonKind>> kinds = diffs.stream().collect(Collectors.groupingBy(
                    LabelComparison::getEventId, Collectors.mapping(LabelComparison::getKind, Collectors.toList())));
            assertThat(kinds).hasSize(EVENTS);
            kinds.forEach((id, k) -> assertThat(k).as(id).hasSize(2).startsWith(ComparisonKind.NO_CHAMPION_RESULT)
                    .last().isIn(ComparisonKind.AGREE, ComparisonKind.FLIP));
            assertThat(f.count(f.topics.accepted()) + f.count(f.topics.review()))
                    .as("the challenger wrote nothing the champion writes; the champion wrote each event once")
                    .isEqualTo(EVENTS);
        }
    }

    private static void scoreWithChampion(ReplayFixture f, LabelerConfig config) throws Exception {
        try (LabelModel m = LabelModel.load(ReplayFixture.CHAMPION_MODEL, config.modelOptions(1))) {
            scoreWithChampion(f, config, m);
        }
    }

    private static void scoreWithChampion(ReplayFixture f, LabelerConfig config, LabelModel m) throws Exception {
        f.runUntil(f.assembly(config, m), () -> f.count(f.topics.scored()) >= EVENTS, Duration.ofMinutes(3));
    }

    private static void await(java.util.function.BooleanSupplier cond, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met after " + timeout);
            }
            Thread.sleep(500);
        }
    }

    static Map<String, LabelPosterior> byId(List<LabelPosterior> ps) {
        Map<String, LabelPosterior> m = new HashMap<>();
        ps.forEach(p -> assertThat(m.put(p.getEventId(), p)).as("one result per event: " + p.getEventId()).isNull());
        return m;
    }

    static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

}
