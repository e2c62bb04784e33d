package org.difflabel.model;

import org.difflabel.classifier.Condition;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bounded LRU cache of text embeddings keyed by (model version, prompt): vocabularies repeat
 * across events, and the text encoder need not run again for a prompt it has seen.
 */
public final class EmbeddingCache {
    private final int capacity;
    private final Map<String, Condition.Embedding> map;
    private long hits;
    private long misses;

    public EmbeddingCache(int capacity) {
        this.capacity = capacity;
        this.map = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Condition.Embedding> eldest) {
                return size() > EmbeddingCache.this.capacity;
            }
        };
    }

    static String key(String modelVersion, String prompt) {
        return modelVersion + "\u0000" + prompt;
    }

    public synchronized Condition.Embedding get(String modelVersion, String prompt) {
        Condition.Embedding e = map.get(key(modelVersion, prompt));
        if (e == null) {
            misses++;
        } else {
            hits++;
        }
        return e;
    }

    public synchronized void put(String modelVersion, String prompt, Condition.Embedding e) {
        if (capacity > 0) {
            map.put(key(modelVersion, prompt), e);
        }
    }

    public synchronized int size() {
        return map.size();
    }

    public synchronized long hits() {
        return hits;
    }

    public synchronized long misses() {
        return misses;
    }
}
