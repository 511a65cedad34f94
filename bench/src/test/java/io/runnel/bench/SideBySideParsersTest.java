package io.runnel.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.bench.SideBySide.Figure;
import io.runnel.bench.SideBySide.Kind;
import io.runnel.bench.SideBySide.Parsers;
import io.runnel.bench.SideBySide.Report;
import io.runnel.bench.SideBySide.Workload;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The harness reads each tool's figure from lines the tools printed in a validation run (2026-12-03). */
class SideBySideParsersTest {

    @Test
    void producerFigureIsTheLastSummaryLineOfEitherTool() {
        String kafka = """
                50000 records sent, 9999.0 records/sec (9.76 MB/sec), 1.0 ms avg latency, 2.0 ms max latency.
                50000 records sent, 21385.799829 records/sec (20.88 MB/sec), 814.06 ms avg latency, 1144.00 ms max latency, 866 ms 50th, 1131 ms 95th, 1141 ms 99th, 1143 ms 99.9th.
                """;
        String runnel = """
                acks=1 compression.type=none idempotence=off
                50000 records sent, 48996.3 records/sec (47.85 MB/sec), 403.26 ms avg latency, 557.57 ms max latency, 413.70 ms 50th, 527.87 ms 95th, 548.35 ms 99th, 548.86 ms 99.9th.
                """;

        assertThat(Parsers.produce(kafka)).isEqualTo(new Figure(21385.799829, "20.88 MB/s", null));
        assertThat(Parsers.produce(runnel).value()).isEqualTo(48996.3);
        assertThat(Parsers.produce("Exception in thread main").failure()).isEqualTo("no summary line in the output");
    }

    @Test
    void consumerFigureIsTheNamedColumnUnderTheHeader() {
        String kafka = """
                SLF4J: Defaulting to no-operation (NOP) logger implementation
                start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
                2026-12-03 16:56:40:279, 2026-12-03 16:56:43:071, 48.8281, 17.4886, 50000, 17908.3095, 1617, 1175, 41.5559, 42553.1915
                """;
        String runnel = """
                start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, fetch.time.ms
                2026-12-03 16:56:45:735, 2026-12-03 16:56:47:355, 48.8281, 30.1278, 50000, 30850.8211, 1620
                """;

        assertThat(Parsers.consume(kafka, "fetch.nMsg.sec"))
                .isEqualTo(new Figure(42553.1915, "50000 records; whole run incl. 1617 ms group join: 17908 rec/s", null));
        assertThat(Parsers.consume(runnel, "nMsg.sec")).isEqualTo(new Figure(30850.8211, "50000 records", null));
        assertThat(Parsers.consume(runnel, "fetch.nMsg.sec").failure()).isEqualTo("no CSV header with fetch.nMsg.sec in the output");
    }

    @Test
    void endToEndFiguresAreTheNinetyNinthPercentile() {
        assertThat(Parsers.kafkaEndToEnd("Avg latency: 4.3737 ms\nPercentiles: 50th = 2, 99th = 36, 99.9th = 170\n"))
                .isEqualTo(new Figure(36, "p50 2, p99.9 170 ms", null));
        assertThat(Parsers.runnelEndToEnd("2000 records sent, 196.3 records/sec (0.19 MB/sec), 5.03 ms avg latency, 192.26 ms max latency,"
                + " 2.31 ms 50th, 13.86 ms 95th, 34.34 ms 99th, 130.43 ms 99.9th.\n"))
                .isEqualTo(new Figure(34.34, "p50 2.31 ms", null));
        assertThat(Parsers.fixedRate("15000 records at 1000 rec/s: sent at 1000.1 rec/s, 15000 received, 10000 measured; latency from"
                + " intended send time 0.73 ms 50th, 3.72 ms 90th, 18.82 ms 99th, 45.50 ms 99.9th, 54.50 ms max.\n"))
                .isEqualTo(new Figure(18.82, "sent at 1000.1 rec/s; p50 0.73, p90 3.72, p99.9 45.50, max 54.50 ms", null));
    }

    @Test
    void tableComparesMediansAgainstEachGoal() {
        Workload produce = new Workload("produce", "produce", Kind.THROUGHPUT, 10);
        Workload e2e = new Workload("e2e", "e2e", Kind.LATENCY, 10);
        Map<Workload, List<Figure>> kafka = Map.of(produce, List.of(fig(100), fig(300), fig(200)), e2e, List.of(fig(10)));
        Map<Workload, List<Figure>> runnel = Map.of(produce, List.of(fig(250), Figure.failed("x"), fig(230)),
                e2e, List.of(fig(9)));

        String md = Report.markdown(List.of(produce, e2e), kafka, runnel, Map.of());

        assertThat(md).contains("| produce | 100 rec/s / 300 rec/s / 200 rec/s | 250 rec/s / failed / 230 rec/s | 1.20× | ≥ 1.20× | yes |")
                .contains("| e2e | 10.00 ms | 9.00 ms | 0.90× | ≤ 0.80× | no |");
    }

    private static Figure fig(double value) {
        return new Figure(value, "", null);
    }
}
