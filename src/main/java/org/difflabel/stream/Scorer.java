package org.difflabel.stream;

import org.difflabel.classifier.Posterior;

import java.util.List;

/** What the labelling processor asks of the model: {@link Scoring} in every run mode; tests give it one that fails. */
public interface Scorer {
    Posterior classify(String id, byte[] image, List<String> labels, String promptTemplate);

    /** As above, with the temperature the policy in force sets for this model (null: the scorer's own). */
    default Posterior classify(String id, byte[] image, List<String> labels, String promptTemplate, Double temperature) {
        return classify(id, image, labels, promptTemplate);
    }

    String modelId();

    String modelVersion();
}
