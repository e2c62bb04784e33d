package org.difflabel.soak;

import org.difflabel.contracts.ErrorCode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The soak's verdict: exactly the expected outcome per key, once, and nothing for keys never sent. */
class TallyTest {
    private final Tally tally = new Tally();

    TallyTest() {
        tally.expectScored("good-1");
        tally.expectDeadLetter("bad-1", ErrorCode.CORRUPT_IMAGE);
    }

    @Test
    void passesWhenEveryKeyGotItsOutcomeOnce() {
        tally.scored("good-1");
        tally.deadLettered("bad-1", ErrorCode.CORRUPT_IMAGE);
        assertThat(tally.complete()).isTrue();
        assertThat(tally.problems(10)).isEmpty();
        assertThat(tally.outcome("bad-1")).isEqualTo("CORRUPT_IMAGE");
    }

    @Test
    void flagsAGoodEventScoredTwice() {
        tally.scored("good-1");
        tally.scored("good-1");
        tally.deadLettered("bad-1", ErrorCode.CORRUPT_IMAGE);
        assertThat(tally.problems(10)).singleElement().asString().startsWith("good-1: expected 1 posterior, got 2");
    }

    @Test
    void flagsAWrongCodeAMissingOutcomeAndAStrangerKey() {
        tally.deadLettered("bad-1", ErrorCode.UNSUPPORTED_IMAGE_FORMAT);
        tally.scored("never-sent");
        assertThat(tally.complete()).isFalse();
        assertThat(tally.problems(10)).containsExactly(
                "bad-1: expected one dead letter CORRUPT_IMAGE, got [UNSUPPORTED_IMAGE_FORMAT] and 0 posterior(s)",
                "good-1: expected 1 posterior, got 0 and dead letters []",
                "never-sent: a posterior for a key never sent");
    }

    @Test
    void flagsABadRecordThatWasScored() {
        tally.scored("good-1");
        tally.scored("bad-1");
        assertThat(tally.problems(10)).singleElement().asString().startsWith("bad-1: expected one dead letter");
    }
}
