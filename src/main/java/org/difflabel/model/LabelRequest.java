package org.difflabel.model;

import org.difflabel.classifier.Stage;

import java.util.List;

/**
 * One image to label.
 *
 * @param id             request id: with the model version, it seeds the noise (same id, same posterior)
 * @param image          encoded PNG or JPEG
 * @param labels         the candidate labels, distinct
 * @param promptTemplate text models: prompt per label ({@code {label}} is replaced); null for the model's default
 * @param stages         adaptive schedule; null for the defaults
 * @param temperature    softmax temperature; null for the model's calibrated one
 */
public record LabelRequest(String id, byte[] image, List<String> labels, String promptTemplate, List<Stage> stages,
                           Double temperature) {

    public static LabelRequest of(String id, byte[] image, List<String> labels) {
        return new LabelRequest(id, image, labels, null, null, null);
    }
}
