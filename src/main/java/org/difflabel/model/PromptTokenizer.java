package org.difflabel.model;

/** Turns a prompt into the text encoder's token ids, exactly {@link #maxLength()} long. */
public interface PromptTokenizer {

    int maxLength();

    /** Token ids, padded to {@link #maxLength()}; an unusable prompt raises {@code BAD_PROMPT}. */
    long[] encode(String prompt);

    /** The tokenizer a manifest names, from the model folder. */
    static PromptTokenizer load(java.nio.file.Path folder, ModelManifest.Tokenizer spec) {
        java.nio.file.Path file = folder.resolve(spec.file());
        return switch (spec.kind()) {
            case "word" -> new WordTokenizer(file, spec);
            case "clip-bpe" -> new ClipTokenizer(file, spec);
            default -> throw new ModelLoadException(file, "unsupported tokenizer kind '" + spec.kind() + "'");
        };
    }
}
