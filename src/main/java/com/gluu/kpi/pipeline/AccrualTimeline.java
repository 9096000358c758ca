package com.gluu.kpi.pipeline;

import com.gluu.kpi.events.Event;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The machinery shared by the endpoint and task timelines: turns one key's state-change events
 * into one record per accrual slot ({@link AccrualSlots}) for every slot from the key's first
 * event until its timeline ends, whether or not the slot has events.
 *
 * <p>Input 1 is the keyed event stream; input 2 the {@link InputEnd} markers, broadcast to every
 * subtask (not keyed). The operator's watermark is the minimum of both inputs', so the InputEnd
 * stream must carry the event watermarks (the {@link InputEndMarker} side output does).
 *
 * <h2>Event-time order</h2>
 * An event is buffered in keyed state under its {@code ts} with an event-time timer there, and
 * applied when the watermark passes it, so state changes take effect in {@code ts} order whatever
 * order they arrive in (same {@code ts}: arrival order). An event that arrives after accrual for
 * its key has already passed its {@code ts} (late, but admitted upstream) cannot rewrite the
 * slots already emitted: it takes effect at the time accrual has reached (its counts land in that
 * slot). An event that is late for the watermark but not yet for its key's accrual is still
 * applied exactly at its {@code ts}, at the next watermark.
 *
 * <h2>Slots</h2>
 * A timer at {@code slotEnd − 1} closes each slot: once the watermark is there, every event that
 * can change the slot has been seen, so accrual advances to {@code slotEnd} and the slot is
 * emitted with the timestamp {@code slotEnd − 1}. Each firing registers the next boundary, so an
 * endpoint with no events still gets a record per slot. Records are emitted with explicit
 * timestamps (not the timer's), so a record always lands in the windows of its slot.
 *
 * <h2>End of input</h2>
 * The end time is the maximum of the received {@link InputEnd#maxEventTs} (kept in union operator
 * state). It is used only once the watermark is {@code Long.MAX_VALUE}: every parse subtask sends
 * its InputEnd before its final watermark, so only then are all of them in; before that, one
 * subtask that finished early (with a smaller maximum) must not stop accrual that the others'
 * watermarks still drive. At the final watermark, the first timer of a key applies all of its
 * buffered events, accrues up to the end time, emits the partial last slot, deletes its timers and
 * clears its state: no timer is ever registered again, so the final watermark cannot loop through
 * boundaries forever. Without any InputEnd (an unbounded job drained with a final watermark), a
 * key stops at the later of where its accrual had reached and its latest buffered event.
 *
 * <p>When a hook reports that an event ends the timeline (endpoint {@code Deleted}, task
 * {@code STOPPED}), the partial slot up to that event is emitted and the key's state and timers
 * are cleared; events buffered for later times stay and start a new timeline.
 *
 * @param <S> the per-key status (a POJO) holding what the subclass tracks and the current slot's sums
 * @param <OUT> the slot record
 */
public abstract class AccrualTimeline<S, OUT> extends AbstractStreamOperator<OUT>
        implements TwoInputStreamOperator<Event, InputEnd, OUT>, Triggerable<String, VoidNamespace> {
    private static final long serialVersionUID = 1L;

    /** Where a key's accrual stands. */
    public static class Clock {
        /** Accrual is done for event time before this. */
        public long accruedTo;
        /** The registered slot-closing timer, or {@code Long.MIN_VALUE}. */
        public long boundaryTimer = Long.MIN_VALUE;

        public Clock() {}
    }

    private static final TypeInformation<List<Event>> EVENTS = Types.LIST(TypeInformation.of(Event.class));

    protected final long slotMs;

    private transient ValueState<Clock> clock;
    private transient ValueState<S> status;
    private transient MapState<Long, List<Event>> pending;
    private transient InternalTimerService<VoidNamespace> timers;
    private transient InputEndState inputEnd;
    private transient StreamRecord<OUT> reuse;

    protected AccrualTimeline(long slotMs) {
        if (slotMs <= 0) {
            throw new IllegalArgumentException("slot size must be positive: " + slotMs);
        }
        this.slotMs = slotMs;
    }

    // ---------------------------------------------------------------- hooks

    /** Type of the per-key status, a POJO (no Kryo). */
    protected abstract TypeInformation<S> statusType();

    /** The status of a key before its first event is applied (it exists from that event on). */
    protected abstract S start(Event first);

    /** Adds {@code [from, to)}, which lies inside one slot, to the current slot's sums. */
    protected abstract void accrue(S status, long from, long to);

    /** Applies an event at time {@code at}; returns whether it ends the key's timeline. */
    protected abstract boolean apply(S status, Event event, long at);

    /**
     * Emits the current slot's records (through {@link #emit}) if it has anything to report, and
     * resets its sums. Called at each slot end and, for the partial last slot, when the timeline ends.
     */
    protected abstract void closeSlot(S status, long slotStart, long slotEnd);

    /** Emits one record of the slot ending at {@code slotEnd}, timestamped {@code slotEnd − 1}. */
    protected final void emit(OUT record, long slotEnd) {
        output.collect(reuse.replace(record, slotEnd - 1));
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        inputEnd = InputEndState.restore(context);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        inputEnd.snapshot();
    }

    @Override
    public void open() throws Exception {
        super.open();
        clock = getRuntimeContext().getState(new ValueStateDescriptor<>("clock", TypeInformation.of(Clock.class)));
        status = getRuntimeContext().getState(new ValueStateDescriptor<>("status", statusType()));
        pending = getRuntimeContext().getMapState(new MapStateDescriptor<>("pending", Types.LONG, EVENTS));
        timers = getInternalTimerService("accrual", VoidNamespaceSerializer.INSTANCE, this);
        reuse = new StreamRecord<>(null);
    }

    // ---------------------------------------------------------------- inputs

    @Override
    public void processElement1(StreamRecord<Event> element) throws Exception {
        // Kept in (heap) keyed state by reference: safe with object reuse, because a keyed input
        // always arrives through a keyBy shuffle, never chained to an operator that reuses objects.
        Event event = element.getValue();
        Clock c = clock.value();
        long at = c == null ? event.ts : Math.max(event.ts, c.accruedTo);
        List<Event> list = pending.get(at);
        if (list == null) {
            list = new ArrayList<>(1);
        }
        list.add(event);
        pending.put(at, list);
        timers.registerEventTimeTimer(VoidNamespace.INSTANCE, at);
    }

    @Override
    public void processElement2(StreamRecord<InputEnd> element) {
        inputEnd.add(element.getValue());
    }

    /** The end time from the InputEnd markers, or {@code Long.MIN_VALUE} while none has come. */
    public long inputEnd() {
        return inputEnd.end();
    }

    // ---------------------------------------------------------------- timers

    @Override
    public void onEventTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
        long t = timer.getTimestamp();
        boolean inputEnded = timers.currentWatermark() == Long.MAX_VALUE;
        Clock c = clock.value();
        S s = status.value();

        List<Long> keys = new ArrayList<>();
        for (Long k : pending.keys()) {
            keys.add(k);
        }
        Collections.sort(keys);

        long stop;
        if (!inputEnded) {
            stop = t + 1; // all events up to t are in: accrual through t is final
        } else if (inputEnd.end() != Long.MIN_VALUE) {
            stop = inputEnd.end();
        } else {
            stop = Math.max(c == null ? Long.MIN_VALUE : c.accruedTo, keys.isEmpty() ? Long.MIN_VALUE : keys.get(keys.size() - 1));
        }

        for (long key : keys) {
            if (!inputEnded && key > t) {
                break;
            }
            List<Event> events = pending.get(key);
            for (int i = 0; i < events.size(); i++) {
                Event e = events.get(i);
                long at = inputEnded ? Math.min(key, stop) : key;
                if (s == null) {
                    s = start(e);
                    c = new Clock();
                    c.accruedTo = at;
                }
                at = Math.max(at, c.accruedTo);
                advance(c, s, at);
                if (apply(s, e, at)) {
                    List<Event> rest = new ArrayList<>(events.subList(i + 1, events.size()));
                    if (rest.isEmpty()) {
                        pending.remove(key);
                    } else {
                        pending.put(key, rest);
                        timers.registerEventTimeTimer(VoidNamespace.INSTANCE, key); // starts a new timeline
                    }
                    end(c, s);
                    return;
                }
            }
            pending.remove(key);
            if (key != t) {
                timers.deleteEventTimeTimer(VoidNamespace.INSTANCE, key);
            }
        }
        if (s == null) {
            return; // nothing started: a timer whose events were already taken
        }
        advance(c, s, stop);
        if (inputEnded) {
            end(c, s);
            return;
        }
        long next = AccrualSlots.slotStart(c.accruedTo, slotMs) + slotMs - 1;
        if (c.boundaryTimer != next) {
            if (c.boundaryTimer != Long.MIN_VALUE && c.boundaryTimer != t) {
                timers.deleteEventTimeTimer(VoidNamespace.INSTANCE, c.boundaryTimer);
            }
            timers.registerEventTimeTimer(VoidNamespace.INSTANCE, next);
            c.boundaryTimer = next;
        }
        clock.update(c);
        status.update(s);
    }

    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) {
        // not used
    }

    /** Accrues from the key's current point up to {@code to}, closing every slot it crosses. */
    private void advance(Clock c, S s, long to) {
        while (c.accruedTo < to) {
            long slotStart = AccrualSlots.slotStart(c.accruedTo, slotMs);
            long slotEnd = slotStart + slotMs;
            long until = Math.min(slotEnd, to);
            accrue(s, c.accruedTo, until);
            c.accruedTo = until;
            if (until == slotEnd) {
                closeSlot(s, slotStart, slotEnd);
            }
        }
    }

    /** Emits the partial slot and forgets the timeline: its state and its slot timer. */
    private void end(Clock c, S s) throws Exception {
        long slotStart = AccrualSlots.slotStart(c.accruedTo, slotMs);
        closeSlot(s, slotStart, slotStart + slotMs);
        if (c.boundaryTimer != Long.MIN_VALUE) {
            timers.deleteEventTimeTimer(VoidNamespace.INSTANCE, c.boundaryTimer);
        }
        clock.clear();
        status.clear();
    }
}
