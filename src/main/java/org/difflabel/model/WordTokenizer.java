package org.difflabel.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.difflabel.classifier.ClassificationException;
import org.difflabel.classifier.ClassificationException.Code;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * Word-level tokenizer of the shipped text models: whitespace-separated words looked up in the
 * vocabulary file's {@code ids} map, wrapped in BOS/EOS, padded to the maximum length. A word
 * outside the vocabulary or a prompt over the maximum length is refused ({@code BAD_PROMPT}):
 * silently dropping words would classify a different prompt than the one asked for.
 */
public final class WordTokenizer implements PromptTokenizer {
    private final Map<String, Integer> ids;
    private final ModelManifest.Tokenizer spec;

    public WordTokenizer(Path vocabFile, ModelManifest.Tokenizer spec) {
        this.spec = spec;
        this.ids = new HashMap<>();
        try {
            JsonNode root = new ObjectMapper().readTree(vocabFile.toFile());
            JsonNode map = root == null ? null : root.get("ids");
            if (map == null || !map.isObject() || map.isEmpty()) {
                throw new ModelLoadException(vocabFile, "vocabulary file has no 'ids' object");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().canConvertToInt()) {
                    throw new ModelLoadException(vocabFile, "id of word '" + e.getKey() + "' is not an integer");
                }
                ids.put(e.getKey(), e.getValue().intValue());
            }
        } catch (IOException e) {
            throw new ModelLoadException(vocabFile, "tokenizer file does not parse: " + e.getMessage(), e);
        }
    }

    @Override
    public int maxLength() {
        return spec.maxLength();
    }

    @Override
    public long[] encode(String prompt) {
        String text = spec.lowercase() ? prompt.toLowerCase(Locale.ROOT) : prompt;
        String[] words = text.trim().isEmpty() ? new String[0] : text.trim().split("\\s+");
        if (words.length + 2 > spec.maxLength()) {
            throw new ClassificationException(Code.BAD_PROMPT, "prompt '" + prompt + "' is " + (words.length + 2)
                    + " tokens, over the model's maximum of " + spec.maxLength());
        }
        long[] out = new long[spec.maxLength()];
        java.util.Arrays.fill(out, spec.padId());
        out[0] = spec.bosId();
        for (int i = 0; i < words.length; i++) {
            Integer id = ids.get(words[i]);
            if (id == null) {
                throw new ClassificationException(Code.BAD_PROMPT, "unknown word '" + words[i] + "' in prompt '"
                        + prompt + "' (not in the model's vocabulary)");
            }
            out[i + 1] = id;
        }
        out[words.length + 1] = spec.eosId();
        return out;
    }
}
