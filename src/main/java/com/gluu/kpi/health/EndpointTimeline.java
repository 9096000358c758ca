package com.gluu.kpi.health;

import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.config.PricingTable;
import com.gluu.kpi.events.EndpointEvent;
import com.gluu.kpi.events.Event;
import com.gluu.kpi.pipeline.AccrualSlots;
import com.gluu.kpi.pipeline.AccrualTimeline;
import com.gluu.kpi.pipeline.InputEnd;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keyed by endpoint: turns a SageMaker endpoint's state changes into one {@link EndpointSlot}
 * per accrual slot (per model, if the model changed within the slot) from its first event until
 * it is {@code Deleted}, the end of a bounded input or, unbounded, the watermark. Ordering, late
 * events and the end of input are described in {@link AccrualTimeline}.
 *
 * <p>Per slot: {@code observedMs} (the endpoint existed: any state from the first event on,
 * Deleting included), {@code inServiceMs}, {@code billedMs} (InService, Updating, SystemUpdating,
 * RollingBack) and {@code hostingUsd} = instance_count × price(instance_type) × billed hours.
 * Instance type and count are carried over from the last event that gave them; a count that no
 * event has given bills as 1 instance (an endpoint in a billed state runs at least one; explicit 0
 * bills nothing). An instance type without a price (or none given at all, type "") costs 0; each
 * slot with billed time at such a type is counted in the metric {@code unpricedInstanceTypes},
 * and each such type is logged once per subtask.
 *
 * <p>Counts, in the slot (and model part) of the event: {@code failures} are entries into
 * Failed (from any other state, also as the first event); {@code restarts} are entries into
 * InService from Failed, OutOfService or Creating after the endpoint had been InService before.
 * Updating → InService (scale-out, model update) is no restart.
 */
public final class EndpointTimeline extends AccrualTimeline<EndpointStatus, EndpointSlot> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(EndpointTimeline.class);

    public static final String IN_SERVICE = "InService";
    public static final String FAILED = "Failed";
    public static final String DELETED = "Deleted";
    private static final Set<String> BILLED = Set.of(IN_SERVICE, "Updating", "SystemUpdating", "RollingBack");
    private static final Set<String> RESTART_FROM = Set.of(FAILED, "OutOfService", "Creating");
    /** A deploy (SPEC §5): the endpoint's failure and restart alerts are recorded but not sent. */
    private static final Set<String> DEPLOYING = Set.of("Creating", "Updating");
    private static final double MS_PER_HOUR = 3_600_000d;

    private final PricingTable pricing;

    private transient Counter unpriced;
    private transient Set<String> loggedUnpriced;

    public EndpointTimeline(long slotMs, PricingTable pricing) {
        super(slotMs);
        this.pricing = pricing;
    }

    /**
     * The endpoint timelines of a job: {@code endpointEvents} (events with an endpoint body; others
     * are dropped) keyed by endpoint, with the InputEnd markers broadcast to every subtask.
     */
    public static SingleOutputStreamOperator<EndpointSlot> slots(DataStream<Event> endpointEvents,
            DataStream<InputEnd> inputEnds, PricingTable pricing, JobConfig config) {
        long slotMs = AccrualSlots.size(config.get(JobConfig.WINDOWS));
        return endpointEvents
                .filter(e -> e.endpoint != null).uid("endpoint-events").name("endpoint events")
                .keyBy(e -> e.endpoint.endpoint, Types.STRING)
                .connect(inputEnds.broadcast())
                .transform("endpoint timeline", TypeInformation.of(EndpointSlot.class),
                        new EndpointTimeline(slotMs, pricing))
                .uid("endpoint-timeline").name("endpoint timeline");
    }

    @Override
    public void open() throws Exception {
        super.open();
        unpriced = getMetricGroup().counter("unpricedInstanceTypes");
        loggedUnpriced = new HashSet<>();
    }

    /** The value of the {@code unpricedInstanceTypes} counter (slots billed at an unpriced type). */
    public long unpricedSlots() {
        return unpriced.getCount();
    }

    @Override
    protected TypeInformation<EndpointStatus> statusType() {
        return TypeInformation.of(EndpointStatus.class);
    }

    @Override
    protected EndpointStatus start(Event first) {
        EndpointStatus s = new EndpointStatus();
        s.endpoint = first.endpoint.endpoint;
        s.model = first.endpoint.model;
        return s;
    }

    @Override
    protected void accrue(EndpointStatus s, long from, long to) {
        long ms = to - from;
        EndpointSlot part = part(s);
        part.observedMs += ms;
        if (IN_SERVICE.equals(s.state)) {
            part.inServiceMs += ms;
        }
        if (DEPLOYING.contains(s.state)) {
            part.deployMs += ms;
        }
        if (BILLED.contains(s.state)) {
            part.billedMs += ms;
            Double price = pricing.instanceHourUsd(s.instanceType);
            if (price == null) {
                s.unpricedInSlot = true;
                if (loggedUnpriced.add(s.instanceType)) {
                    LOG.warn("instance type '{}' (endpoint {}) is not in the price table: its hosting is counted as 0 USD",
                            s.instanceType, s.endpoint);
                }
            } else {
                int count = s.instanceCount < 0 ? 1 : s.instanceCount;
                if (s.pendingInstanceMs > 0 && (s.pendingPrice != price || !s.pendingModel.equals(s.model))) {
                    convertPendingHosting(s);
                }
                s.pendingPrice = price;
                s.pendingModel = s.model;
                s.pendingInstanceMs += count * ms;
            }
        }
    }

    @Override
    protected boolean apply(EndpointStatus s, Event event, long at) {
        EndpointEvent e = event.endpoint;
        String previous = s.state;
        s.model = e.model;
        EndpointSlot part = part(s);
        if (IN_SERVICE.equals(e.state)) {
            if (s.wasInService && RESTART_FROM.contains(previous)) {
                part.restarts++;
            }
            s.wasInService = true;
        }
        if (FAILED.equals(e.state) && !FAILED.equals(previous)) {
            part.failures++;
        }
        if (!e.instanceType.isEmpty()) {
            s.instanceType = e.instanceType;
        }
        if (e.instanceCount >= 0) {
            s.instanceCount = e.instanceCount;
        }
        s.state = e.state;
        return DELETED.equals(e.state);
    }

    /** Adds the pending billed instance-milliseconds, priced, to their part's hosting cost. */
    private static void convertPendingHosting(EndpointStatus s) {
        if (s.pendingInstanceMs == 0) {
            return;
        }
        for (EndpointSlot p : s.parts) {
            if (p.model.equals(s.pendingModel)) {
                p.hostingUsd += s.pendingInstanceMs * s.pendingPrice / MS_PER_HOUR;
            }
        }
        s.pendingInstanceMs = 0;
    }

    @Override
    protected void closeSlot(EndpointStatus s, long slotStart, long slotEnd) {
        convertPendingHosting(s);
        for (EndpointSlot part : s.parts) {
            if (part.observedMs > 0 || part.restarts > 0 || part.failures > 0) {
                part.slotStart = slotStart;
                part.slotEnd = slotEnd;
                emit(part, slotEnd);
            }
        }
        if (s.unpricedInSlot) {
            unpriced.inc();
        }
        s.unpricedInSlot = false;
        s.parts = new EndpointSlot[0];
    }

    /** The current slot's part for the current model, added if the model is new in the slot. */
    private static EndpointSlot part(EndpointStatus s) {
        for (EndpointSlot p : s.parts) {
            if (p.model.equals(s.model)) {
                return p;
            }
        }
        EndpointSlot p = new EndpointSlot();
        p.endpoint = s.endpoint;
        p.model = s.model;
        s.parts = Arrays.copyOf(s.parts, s.parts.length + 1);
        s.parts[s.parts.length - 1] = p;
        return p;
    }
}
