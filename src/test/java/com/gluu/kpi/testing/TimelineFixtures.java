package com.gluu.kpi.testing;

import com.gluu.kpi.config.PricingTable;
import com.gluu.kpi.events.EndpointEvent;
import com.gluu.kpi.events.Event;
import com.gluu.kpi.events.EventType;
import com.gluu.kpi.events.TaskEvent;
import com.gluu.kpi.pipeline.InputEnd;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;

/** Events, prices and output helpers for the endpoint and task timeline tests. */
public final class TimelineFixtures {
    public static final long SECOND = 1_000;
    public static final long MINUTE = 60_000;
    /** 2026-11-22T05:00:00Z, an hour boundary: "00:00" in the tests' comments. */
    public static final long T = 1_795_323_600_000L;

    /** USD per hour, chosen so the hand calculations come out round. */
    public static final double G5_HOUR = 1.44;
    public static final double VCPU_HOUR = 0.036;
    public static final double GB_HOUR = 0.004;

    private static int ids;

    private TimelineFixtures() {}

    /** ml.g5.xlarge at 1.44 USD/h; Fargate 0.036 USD per vCPU-hour and 0.004 USD per GB-hour. */
    public static PricingTable pricing(Path dir) {
        return load(dir, "sagemaker:\n  ml.g5.xlarge: " + G5_HOUR + "\n"
                + "fargate:\n  vcpu_hour: " + VCPU_HOUR + "\n  memory_gb_hour: " + GB_HOUR + "\n");
    }

    public static PricingTable load(Path dir, String yaml) {
        try {
            Path file = Files.createTempFile(dir, "pricing", ".yaml");
            Files.writeString(file, yaml);
            return PricingTable.load(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Time {@code T + minutes:seconds}. */
    public static long at(int minutes, int seconds) {
        return T + minutes * MINUTE + seconds * SECOND;
    }

    public static Event endpoint(String name, String state, long ts) {
        return endpoint(name, "blip2", state, "", -1, ts);
    }

    public static Event endpoint(String name, String model, String state, String instanceType, int count, long ts) {
        Event e = new Event();
        e.eventId = "ep-" + (++ids);
        e.type = EventType.ENDPOINT;
        e.ts = ts;
        e.endpoint = new EndpointEvent();
        e.endpoint.endpoint = name;
        e.endpoint.model = model;
        e.endpoint.state = state;
        e.endpoint.instanceType = instanceType;
        e.endpoint.instanceCount = count;
        return e;
    }

    public static Event task(String taskId, String state, double vcpu, double memoryGb, long ts) {
        Event e = new Event();
        e.eventId = "task-" + (++ids);
        e.type = EventType.TASK;
        e.ts = ts;
        e.task = new TaskEvent();
        e.task.taskId = taskId;
        e.task.service = "analyze-api";
        e.task.state = state;
        e.task.vcpu = vcpu;
        e.task.memoryGb = memoryGb;
        return e;
    }

    public static InputEnd inputEnd(long maxEventTs) {
        return new InputEnd(maxEventTs);
    }

    /** The records emitted so far, with their timestamps, in order; clears the output. */
    @SuppressWarnings("unchecked")
    public static <T> List<StreamRecord<T>> drain(AbstractStreamOperatorTestHarness<T> harness) {
        List<StreamRecord<T>> out = new ArrayList<>();
        for (Object o : harness.getOutput()) {
            if (o instanceof StreamRecord) {
                out.add((StreamRecord<T>) o);
            }
        }
        harness.getOutput().clear();
        return out;
    }
}
