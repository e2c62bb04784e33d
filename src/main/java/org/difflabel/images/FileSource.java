package org.difflabel.images;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_BAD_URI;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_FORBIDDEN;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_NOT_ALLOWED;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_NOT_FOUND;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_OUTSIDE_ROOT;
import static org.difflabel.images.ImageFetchException.Code.IMAGE_REF_REFUSED;

/**
 * file:// references, under one root only: a path with {@code ..} is refused as written, and the
 * file's real path (symbolic links resolved) must still lie under the root's real path.
 */
final class FileSource {
    private final FetchSettings settings;

    FileSource(FetchSettings settings) {
        this.settings = settings;
    }

    byte[] fetch(URI uri) {
        Path root = settings.fileRoot().orElseThrow(() -> new ImageFetchException(IMAGE_REF_NOT_ALLOWED,
                "file:// references are refused: labeler.image.reference.file-root is not set"));
        if (uri.getRawAuthority() != null && !uri.getRawAuthority().isEmpty()
                && !uri.getRawAuthority().equalsIgnoreCase("localhost") || uri.getRawQuery() != null) {
            throw new ImageFetchException(IMAGE_REF_BAD_URI, "a file reference names no host and no query: file:///path");
        }
        String raw = uri.getPath();
        if (raw == null || raw.isEmpty()) {
            throw new ImageFetchException(IMAGE_REF_BAD_URI, "a file reference without a path");
        }
        for (String segment : raw.split("/")) {
            if (segment.equals("..")) {
                throw new ImageFetchException(IMAGE_REF_OUTSIDE_ROOT, "file reference " + raw + " contains '..'");
            }
        }
        Path path = Path.of(raw).toAbsolutePath().normalize();
        if (!path.startsWith(root)) {
            throw new ImageFetchException(IMAGE_REF_OUTSIDE_ROOT, "file " + raw + " is not under the root " + root);
        }
        try {
            Path real = path.toRealPath();
            if (!real.startsWith(root.toRealPath())) {
                throw new ImageFetchException(IMAGE_REF_OUTSIDE_ROOT, "file " + raw
                        + " leads out of the root through a symbolic link");
            }
            if (!Files.isRegularFile(real)) {
                throw new ImageFetchException(IMAGE_REF_REFUSED, "file " + raw + " is not a regular file");
            }
            BoundedBytes.checkDeclared(Files.size(real), settings.maxBytes(), "file " + raw);
            try (InputStream in = Files.newInputStream(real)) {
                return BoundedBytes.read(in, -1, settings.maxBytes(), settings.maxPixels(), "file " + raw);
            }
        } catch (NoSuchFileException e) {
            throw new ImageFetchException(IMAGE_REF_NOT_FOUND, "no file " + raw + " under the root");
        } catch (AccessDeniedException e) {
            throw new ImageFetchException(IMAGE_REF_FORBIDDEN, "file " + raw + " cannot be read");
        } catch (IOException e) {
            throw new ImageStoreUnavailableException("reading file " + raw + " failed: " + e, e);
        }
    }
}
