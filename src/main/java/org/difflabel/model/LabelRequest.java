package org.difflabel.model;

import org.difflabel.classifier.Budget;
import org.difflabel.classifier.Schedule;
import org.difflabel.classifier.Stage;

import java.util.List;

/**
 * One image to label.
 *
 * @param id             request id: with the model version, it seeds the noise (same id, same posterior)
 * @param image          encoded PNG or JPEG
 * @param labels         the candidate labels, distinct
 * @param promptTemplate text models: prompt per label ({@code {label}} is replaced); null for the model's default
 * @param schedule       staged or sequential; null for the model's default plan
 * @param temperature    softmax temperature; null for the model's calibrated one (for the plan used)
 * @param budget         evaluation / time limit; null for none
 */
public record LabelRequest(String id, byte[] image, List<String> labels, String promptTemplate, Schedule schedule,
                           Double temperature, Budget budget) {

    /** A request with a staged schedule (null: the model's default plan) and no budget. */
    public LabelRequest(String id, byte[] image, List<String> labels, String promptTemplate, List<Stage> stages,
                        Double temperature) {
        this(id, image, labels, promptTemplate, stages == null ? null : new Schedule.Staged(stages), temperature, null);
    }

    public static LabelRequest of(String id, byte[] image, List<String> labels) {
        return new LabelRequest(id, image, labels, null, (Schedule) null, null, null);
    }
}
