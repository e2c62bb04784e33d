package org.difflabel.embedded;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One running instance per embedded data folder, and a message that says so to the second. */
class DataDirTest {
    @TempDir
    Path dir;

    @Test
    void aLockedFolderIsRefusedWithTheHoldersProcessAndFreeAgainOnceReleased() {
        Path data = dir.resolve("embedded-data");
        try (DataDir first = DataDir.lock(data)) {
            assertThat(first.kafka()).isEqualTo(data.toAbsolutePath().resolve("kafka"));
            assertThatThrownBy(() -> DataDir.lock(data))
                    .isInstanceOf(DataDir.InUseException.class)
                    .hasMessageContaining("the embedded data folder " + data.toAbsolutePath()
                            + " is in use by another running instance (process " + ProcessHandle.current().pid() + ")")
                    .hasMessageContaining("-Dlabeler.embedded.data-dir=");
        }
        DataDir.lock(data).close(); // released with the first
    }
}
