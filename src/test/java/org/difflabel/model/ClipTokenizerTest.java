package org.difflabel.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The CLIP BPE tokenizer (tokenizer.json through DJL/Rust tokenizers) gives the ids of the
 * Python reference tokenizer, with CLIP's framing, padding and truncation.
 */
class ClipTokenizerTest {
    private static final Path SD = Path.of("onnx-models/standins/sd-tiny");

    @Test
    void matchesThePythonReferenceIds() throws Exception {
        ModelManifest.Tokenizer spec = ManifestReader.read(SD).conditioning().tokenizer();
        PromptTokenizer tokenizer = PromptTokenizer.load(SD, spec);
        JsonNode cases = new ObjectMapper().readTree(SD.resolve("golden/tokenizer_cases.json").toFile());
        assertThat(cases.size()).isGreaterThanOrEqualTo(5);
        for (JsonNode c : cases) {
            long[] expected = new long[c.get("ids").size()];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = c.get("ids").get(i).asLong();
            }
            assertThat(tokenizer.encode(c.get("text").asText())).as("'%s'", c.get("text").asText())
                    .containsExactly(expected);
        }
    }

    @Test
    void refusesATokenizerFileThatDoesNotParse(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("tokenizer.json"), "{\"model\": 42");
        ModelManifest.Tokenizer spec = new ModelManifest.Tokenizer("clip-bpe", "tokenizer.json", 77, true, 0, 1, 2, true);
        assertThatThrownBy(() -> PromptTokenizer.load(tmp, spec))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("tokenizer.json")
                .hasMessageContaining("does not parse");
    }
}
