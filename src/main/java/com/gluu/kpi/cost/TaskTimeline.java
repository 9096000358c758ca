package com.gluu.kpi.cost;

import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.config.PricingTable;
import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.TaskEvent;
import com.gluu.kpi.pipeline.AccrualSlots;
import com.gluu.kpi.pipeline.AccrualTimeline;
import com.gluu.kpi.pipeline.InputEnd;
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
 * Keyed by task_id: the Fargate time and cost of one ECS task, as one {@link ComputeSlot} per
 * accrual slot in which it was RUNNING, from its RUNNING event until STOPPED (which ends the
 * timeline and clears its state), the end of a bounded input or, unbounded, the watermark.
 * Ordering, late events and the end of input are described in {@link AccrualTimeline}.
 *
 * <p>Each record holds one task's share of its service's slot: summing the records of a service
 * and slot (or window) gives the service's {@code runningTaskMs} and {@code usd}. usd = RUNNING
 * seconds × (vcpu × vCPU-hour price + memory_gb × GB-hour price) / 3600, with vcpu and memory_gb
 * carried over from the last RUNNING event that gave them.
 *
 * <p>Unpriced: a task without vcpu (or memory_gb) is charged 0 for that dimension (the other one
 * is still charged), and a job without a {@code fargate} price section charges 0. Each slot whose
 * RUNNING time was not fully priced is counted in the metric {@code unpricedTaskSlots}; each
 * service with such time is logged once per subtask.
 */
public final class TaskTimeline extends AccrualTimeline<TaskStatus, ComputeSlot> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TaskTimeline.class);

    public static final String RUNNING = "RUNNING";
    public static final String STOPPED = "STOPPED";
    private static final double MS_PER_HOUR = 3_600_000d;

    private final PricingTable pricing;

    private transient Counter unpriced;
    private transient Set<String> loggedUnpriced;

    public TaskTimeline(long slotMs, PricingTable pricing) {
        super(slotMs);
        this.pricing = pricing;
    }

    /**
     * The task timelines of a job: {@code taskEvents} (events with a task body; others are
     * dropped) keyed by task_id, with the InputEnd markers broadcast to every subtask.
     */
    public static SingleOutputStreamOperator<ComputeSlot> slots(DataStream<Event> taskEvents,
            DataStream<InputEnd> inputEnds, PricingTable pricing, JobConfig config) {
        long slotMs = AccrualSlots.size(config.get(JobConfig.WINDOWS));
        return taskEvents
                .filter(e -> e.task != null).uid("task-events").name("task events")
                .keyBy(e -> e.task.taskId, Types.STRING)
                .connect(inputEnds.broadcast())
                .transform("task timeline", TypeInformation.of(ComputeSlot.class), new TaskTimeline(slotMs, pricing))
                .uid("task-timeline").name("task timeline");
    }

    @Override
    public void open() throws Exception {
        super.open();
        unpriced = getMetricGroup().counter("unpricedTaskSlots");
        loggedUnpriced = new HashSet<>();
    }

    /** The value of the {@code unpricedTaskSlots} counter. */
    public long unpricedSlots() {
        return unpriced.getCount();
    }

    @Override
    protected TypeInformation<TaskStatus> statusType() {
        return TypeInformation.of(TaskStatus.class);
    }

    @Override
    protected TaskStatus start(Event first) {
        TaskStatus s = new TaskStatus();
        s.taskId = first.task.taskId;
        s.service = first.task.service;
        return s;
    }

    @Override
    protected void accrue(TaskStatus s, long from, long to) {
        if (!s.running) {
            return;
        }
        long ms = to - from;
        s.runningMs += ms;
        s.unpricedMs += ms;
        boolean priced = pricing.fargatePriced() && !Double.isNaN(s.vcpu) && !Double.isNaN(s.memoryGb);
        if (!priced) {
            s.unpricedInSlot = true;
            if (loggedUnpriced.add(s.service)) {
                LOG.warn("Fargate time of service {} is not fully priced ({}): the missing part counts as 0 USD",
                        s.service, !pricing.fargatePriced() ? "no fargate prices" : "task " + s.taskId
                                + " has no " + (Double.isNaN(s.vcpu) ? "vcpu" : "memory_gb"));
            }
        }
    }

    @Override
    protected boolean apply(TaskStatus s, Event event, long at) {
        TaskEvent e = event.task;
        if (STOPPED.equals(e.state)) {
            return true;
        }
        convertPending(s); // at the rate in force until now
        s.running = RUNNING.equals(e.state);
        s.service = e.service;
        if (!Double.isNaN(e.vcpu)) {
            s.vcpu = e.vcpu;
        }
        if (!Double.isNaN(e.memoryGb)) {
            s.memoryGb = e.memoryGb;
        }
        return false;
    }

    /** Prices the slot's RUNNING time accrued since the last conversion at the task's current size. */
    private void convertPending(TaskStatus s) {
        if (s.unpricedMs == 0) {
            return;
        }
        double vcpu = Double.isNaN(s.vcpu) ? 0 : s.vcpu;
        double memoryGb = Double.isNaN(s.memoryGb) ? 0 : s.memoryGb;
        s.usd += s.unpricedMs / MS_PER_HOUR * (vcpu * pricing.fargateVcpuHourUsd() + memoryGb * pricing.fargateMemoryGbHourUsd());
        s.unpricedMs = 0;
    }

    @Override
    protected void closeSlot(TaskStatus s, long slotStart, long slotEnd) {
        convertPending(s);
        if (s.runningMs > 0) {
            ComputeSlot slot = new ComputeSlot();
            slot.service = s.service;
            slot.slotStart = slotStart;
            slot.slotEnd = slotEnd;
            slot.runningTaskMs = s.runningMs;
            slot.usd = s.usd;
            emit(slot, slotEnd);
        }
        if (s.unpricedInSlot) {
            unpriced.inc();
        }
        s.runningMs = 0;
        s.usd = 0;
        s.unpricedInSlot = false;
    }
}
