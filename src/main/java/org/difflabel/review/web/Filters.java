package org.difflabel.review.web;

import jakarta.ws.rs.BadRequestException;
import org.difflabel.review.QueueFilter;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The pages' queue filters: model version, top label and an age bucket, from query parameters. */
final class Filters {
    /** Age buckets the pages offer: name -> [min, max) (null: open). */
    static final Map<String, Duration[]> AGES = new LinkedHashMap<>();

    static {
        AGES.put("1h", new Duration[]{null, Duration.ofHours(1)});
        AGES.put("1h-1d", new Duration[]{Duration.ofHours(1), Duration.ofDays(1)});
        AGES.put("1d", new Duration[]{Duration.ofDays(1), null});
    }

    private Filters() {
    }

    static QueueFilter of(String model, String label, String age) {
        if (age == null || age.isBlank()) {
            return new QueueFilter(model, label, null, null);
        }
        Duration[] range = AGES.get(age);
        if (range == null) {
            throw new BadRequestException("unknown age '" + age + "' (one of " + AGES.keySet() + ")");
        }
        return new QueueFilter(model, label, range[0], range[1]);
    }
}
