package com.gluu.kpi.cli;

import java.util.List;

final class DemoCommand {
    static int run(List<String> args) {
        throw new UnsupportedOperationException("demo: in progress");
    }
}
