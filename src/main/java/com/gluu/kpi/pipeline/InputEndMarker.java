package com.gluu.kpi.pipeline;

import com.gluu.kpi.events.Event;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * Passes admitted events through and, when the end-of-input watermark arrives, first emits an
 * {@link InputEnd} with the latest event time that passed, on {@link #INPUT_END}.
 *
 * <p>Why here: a bounded source emits its final watermark before operators are told the input
 * ended, so a marker sent from {@code endInput()} would reach the windows after they have all
 * fired. Emitted ahead of the watermark on every channel, it arrives before it. The maximum is
 * kept across checkpoints because a job restored near the end of a file must still know it.
 * Records the parse step held and releases at the end of the input pass here before that
 * watermark too, so the latest event time includes them.
 */
public final class InputEndMarker extends AbstractStreamOperator<Event> implements OneInputStreamOperator<Event, Event> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<InputEnd> INPUT_END = new OutputTag<>("input-end") {};

    private transient long maxEventTs;
    private transient ListState<Long> checkpointed;

    public InputEndMarker() {
        setChainingStrategy(ChainingStrategy.ALWAYS);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        maxEventTs = Long.MIN_VALUE;
        checkpointed = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("input-end-max-ts",
                        Types.LONG));
        for (Long ts : checkpointed.get()) {
            maxEventTs = Math.max(maxEventTs, ts);
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        checkpointed.update(List.of(maxEventTs));
    }

    @Override
    public void processElement(StreamRecord<Event> element) {
        maxEventTs = Math.max(maxEventTs, element.getValue().ts);
        output.collect(element);
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (mark.getTimestamp() == Long.MAX_VALUE) {
            output.collect(INPUT_END, new StreamRecord<>(new InputEnd(maxEventTs)));
        }
        super.processWatermark(mark);
    }
}
