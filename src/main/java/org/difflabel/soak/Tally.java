package org.difflabel.soak;

import org.difflabel.contracts.ErrorCode;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What came out of the worker, per input key: posteriors on the scored topic and dead-letter codes,
 * checked against what each key should get (a posterior, or one dead letter with its code) exactly
 * once, nothing more.
 */
public final class Tally {
    /** Each sent key and what it should get: null a posterior, else that dead-letter code. */
    private final Map<String, ErrorCode> expected = new HashMap<>();
    private final Map<String, Integer> scored = new HashMap<>();
    private final Map<String, List<ErrorCode>> deadLetters = new HashMap<>();
    /** Sent keys with at least one output of any kind. */
    private final java.util.Set<String> answered = new java.util.HashSet<>();
    private int scoredTotal;
    private int deadLetterTotal;

    public void expectScored(String key) {
        expected.put(key, null);
    }

    public void expectDeadLetter(String key, ErrorCode code) {
        expected.put(key, code);
    }

    public void scored(String key) {
        scored.merge(key, 1, Integer::sum);
        scoredTotal++;
        answer(key);
    }

    public void deadLettered(String key, ErrorCode code) {
        deadLetters.computeIfAbsent(key, k -> new ArrayList<>()).add(code);
        deadLetterTotal++;
        answer(key);
    }

    private void answer(String key) {
        if (expected.containsKey(key)) {
            answered.add(key);
        }
    }

    /** Whether every sent key has had an output (right or wrong: {@link #problems} says which). */
    public boolean complete() {
        return answered.size() == expected.size();
    }

    public int scoredTotal() {
        return scoredTotal;
    }

    public int deadLetterTotal() {
        return deadLetterTotal;
    }

    /** Every discrepancy, one line each (at most {@code max} listed, then a count); empty when all is as expected. */
    public List<String> problems(int max) {
        List<String> out = new ArrayList<>();
        Map<String, ErrorCode> sorted = new TreeMap<>(expected);
        for (Map.Entry<String, ErrorCode> e : sorted.entrySet()) {
            String key = e.getKey();
            int posteriors = scored.getOrDefault(key, 0);
            List<ErrorCode> letters = deadLetters.getOrDefault(key, List.of());
            if (e.getValue() == null && (posteriors != 1 || !letters.isEmpty())) {
                out.add(key + ": expected 1 posterior, got " + posteriors + " and dead letters " + letters);
            } else if (e.getValue() != null && (posteriors != 0 || !letters.equals(List.of(e.getValue())))) {
                out.add(key + ": expected one dead letter " + e.getValue() + ", got " + letters + " and " + posteriors
                        + " posterior(s)");
            }
        }
        for (String key : new TreeMap<>(scored).keySet()) {
            if (!expected.containsKey(key)) {
                out.add(key + ": a posterior for a key never sent");
            }
        }
        for (String key : new TreeMap<>(deadLetters).keySet()) {
            if (!expected.containsKey(key)) {
                out.add(key + ": a dead letter for a key never sent");
            }
        }
        if (out.size() > max) {
            int more = out.size() - max;
            out = new ArrayList<>(out.subList(0, max));
            out.add("... and " + more + " more");
        }
        return out;
    }

    /** What {@code key} got: "scored", a dead-letter code, or a list of everything when it is not exactly one thing. */
    public String outcome(String key) {
        int posteriors = scored.getOrDefault(key, 0);
        List<ErrorCode> letters = deadLetters.getOrDefault(key, List.of());
        if (posteriors == 1 && letters.isEmpty()) {
            return "scored";
        }
        if (posteriors == 0 && letters.size() == 1) {
            return letters.get(0).name();
        }
        return posteriors + " posterior(s), dead letters " + letters;
    }

    /** Dead letters received per code. */
    public Map<ErrorCode, Integer> deadLettersByCode() {
        Map<ErrorCode, Integer> out = new EnumMap<>(ErrorCode.class);
        deadLetters.values().forEach(l -> l.forEach(c -> out.merge(c, 1, Integer::sum)));
        return out;
    }
}
