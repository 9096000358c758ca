package com.gluu.kpi.pipeline;

import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateInitializationContext;

/**
 * The end time of a bounded input as an operator with a broadcast {@link InputEnd} input keeps
 * it: the maximum of the markers received ({@code Long.MIN_VALUE} while none has come), in union
 * operator state named {@code input-end}, so a restored subtask, rescaled or not, knows every
 * marker that had reached any subtask.
 */
public final class InputEndState {
    private final ListState<Long> state;
    private long end = Long.MIN_VALUE;

    private InputEndState(ListState<Long> state) throws Exception {
        this.state = state;
        for (Long ts : state.get()) {
            end = Math.max(end, ts);
        }
    }

    /** From the operator's {@code initializeState}. */
    public static InputEndState restore(StateInitializationContext context) throws Exception {
        return new InputEndState(context.getOperatorStateStore().getUnionListState(
                new ListStateDescriptor<>("input-end", Types.LONG)));
    }

    /** From the operator's {@code snapshotState}. */
    public void snapshot() throws Exception {
        state.update(List.of(end));
    }

    public void add(InputEnd marker) {
        if (marker.maxEventTs != Long.MIN_VALUE) {
            end = Math.max(end, marker.maxEventTs);
        }
    }

    public long end() {
        return end;
    }
}
