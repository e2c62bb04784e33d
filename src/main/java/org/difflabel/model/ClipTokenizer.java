package org.difflabel.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import org.difflabel.classifier.ClassificationException;
import org.difflabel.classifier.ClassificationException.Code;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * CLIP's byte-level BPE from a Hugging Face {@code tokenizer.json} (through DJL's binding of the
 * Rust {@code tokenizers} library), with CLIP's framing: start token, tokens, end token, padded to
 * {@code maxLength} with {@code padId}. Over-long prompts are cut as CLIP does (the end token kept
 * last) when the manifest says {@code truncate}, else refused.
 */
final class ClipTokenizer implements PromptTokenizer {
    private final HuggingFaceTokenizer tokenizer;
    private final ModelManifest.Tokenizer spec;

    ClipTokenizer(Path file, ModelManifest.Tokenizer spec) {
        this.spec = spec;
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException(file, "missing tokenizer file");
        }
        try {
            // framing, padding and truncation are done here, the same way for every tokenizer.json
            this.tokenizer = HuggingFaceTokenizer.builder().optTokenizerPath(file).optAddSpecialTokens(true)
                    .optTruncation(false).optPadding(false).build();
        } catch (Exception | UnsatisfiedLinkError e) {
            throw new ModelLoadException(file, "tokenizer file does not parse: " + e.getMessage(), e);
        }
    }

    @Override
    public int maxLength() {
        return spec.maxLength();
    }

    @Override
    public long[] encode(String prompt) {
        long[] ids = tokenizer.encode(spec.lowercase() ? prompt.toLowerCase(java.util.Locale.ROOT) : prompt).getIds();
        if (ids.length == 0 || ids[0] != spec.bosId()) {
            ids = prepend(spec.bosId(), ids); // a tokenizer.json without CLIP's post-processor
        }
        if (ids[ids.length - 1] != spec.eosId()) {
            ids = Arrays.copyOf(ids, ids.length + 1);
            ids[ids.length - 1] = spec.eosId();
        }
        int max = spec.maxLength();
        if (ids.length > max) {
            if (!Boolean.TRUE.equals(spec.truncate())) {
                throw new ClassificationException(Code.BAD_PROMPT, "prompt '" + prompt + "' is " + ids.length
                        + " tokens, over the model's maximum of " + max);
            }
            ids = Arrays.copyOf(ids, max);
            ids[max - 1] = spec.eosId();
        }
        long[] out = new long[max];
        Arrays.fill(out, spec.padId());
        System.arraycopy(ids, 0, out, 0, ids.length);
        return out;
    }

    private static long[] prepend(long first, long[] rest) {
        long[] out = new long[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }
}
