package org.difflabel.review.labelstudio;

import java.util.List;

/** A Label Studio file that cannot be used as given; the message names every problem found (the first 20). */
public class LabelStudioFormatException extends RuntimeException {
    private static final int SHOWN = 20;

    private final List<String> problems;

    public LabelStudioFormatException(String problem) {
        this(List.of(problem));
    }

    public LabelStudioFormatException(List<String> problems) {
        super(message(problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }

    private static String message(List<String> problems) {
        if (problems.size() == 1) {
            return problems.get(0);
        }
        StringBuilder b = new StringBuilder(problems.size() + " problems:");
        problems.stream().limit(SHOWN).forEach(p -> b.append("\n  ").append(p));
        if (problems.size() > SHOWN) {
            b.append("\n  ... and ").append(problems.size() - SHOWN).append(" more");
        }
        return b.toString();
    }
}
