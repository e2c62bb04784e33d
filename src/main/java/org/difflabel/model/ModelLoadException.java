package org.difflabel.model;

import java.nio.file.Path;

/** A model folder that cannot be used, with the file at fault and what is wrong with it. */
public class ModelLoadException extends RuntimeException {
    private final Path file;

    public ModelLoadException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public ModelLoadException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
