package com.gluu.kpi.pipeline;

import com.gluu.kpi.accuracy.AccuracyRow;
import com.gluu.kpi.config.JobConfig;
import com.gluu.kpi.cost.CostRow;
import com.gluu.kpi.health.EndpointHealthRow;
import com.gluu.kpi.latency.LatencyRow;
import com.gluu.kpi.traffic.TrafficRow;
import java.io.Serializable;
import org.apache.flink.streaming.api.datastream.DataStream;

/** The KPI rows published as metrics as well (CloudWatch EMF), attached beside the table sinks. */
public interface KpiMetricSinks extends Serializable {
    void attach(DataStream<LatencyRow> latency, DataStream<TrafficRow> traffic, DataStream<AccuracyRow> accuracy,
            DataStream<CostRow> cost, DataStream<EndpointHealthRow> endpointHealth, JobConfig config);
}
