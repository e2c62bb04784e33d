package org.difflabel.classifier;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StageTest {
    @Test
    void parsesFlatAndStagedSchedules() {
        assertThat(Stage.parse("64")).containsExactly(new Stage(64, 1));
        assertThat(Stage.parse("25:5, 250:1")).containsExactly(new Stage(25, 5), new Stage(250, 1));
    }

    @Test
    void refusesBadSchedules() {
        assertThatThrownBy(() -> Stage.parse("16:3,8:1")).hasMessageContaining("increase");
        assertThatThrownBy(() -> Stage.parse("a:b")).hasMessageContaining("samples:keep");
        assertThatThrownBy(() -> Stage.parse("0")).hasMessageContaining(">= 1");
    }

    @Test
    void defaultsScreenLargeVocabulariesAndKeepSmallOnesFlat() {
        assertThat(Stage.defaults(2, 64)).containsExactly(new Stage(64, 1));
        assertThat(Stage.defaults(10, 64)).containsExactly(new Stage(16, 3), new Stage(64, 1));
        assertThat(Stage.defaults(100, 64)).containsExactly(new Stage(16, 25), new Stage(64, 1));
    }

    @Test
    void plannedEvaluationsFollowTheKeptLabels() {
        assertThat(DiffusionClassifier.plannedEvaluations(10, List.of(new Stage(16, 3), new Stage(64, 1))))
                .isEqualTo(10 * 16 + 3 * 48);
    }
}
