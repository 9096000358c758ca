package com.gluu.kpi.accuracy;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * The feedback of one request that arrived before its inference and waits for it in
 * {@link FeedbackJoin}'s keyed state (usually one; more if the user gave several verdicts).
 * Lives at most {@code feedback_wait + allowed_lateness} of event time: the inference's arrival
 * or the feedback's timer removes it. Serialized by {@link WaitingFeedbackSerializer}.
 */
@TypeInfo(WaitingFeedbackSerializer.TypeInfoFactory.class)
public class WaitingFeedback {
    /** In arrival order; never empty while in state. */
    public PendingFeedback[] feedback;

    public WaitingFeedback() {}

    public WaitingFeedback(PendingFeedback... feedback) {
        this.feedback = feedback;
    }
}
