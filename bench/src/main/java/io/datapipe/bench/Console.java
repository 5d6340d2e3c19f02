package io.datapipe.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** What the harness prints while it runs, also written to a log file: a line per phase with the elapsed time, the figures, the tables. */
final class Console {

    private final PrintStream out;
    private final long started = System.nanoTime();

    private Console(PrintStream out) {
        this.out = out;
    }

    /** Prints to {@code out} and to a log file. */
    static Console teeing(PrintStream out, Path log) throws IOException {
        OutputStream file = Files.newOutputStream(log);
        return new Console(new PrintStream(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                out.write(b);
                file.write(b);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                out.write(bytes, offset, length);
                file.write(bytes, offset, length);
            }

            @Override
            public void flush() throws IOException {
                out.flush();
                file.flush();
            }
        }, true, StandardCharsets.UTF_8));
    }

    synchronized void phase(String name, int expectedSeconds) {
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        out.printf(Locale.ROOT, "[%3d:%02d] %s%s%n", seconds / 60, seconds % 60, name,
                   expectedSeconds > 0 ? " (" + expectedSeconds + " s)" : "");
    }

    synchronized void line(String text) {
        out.println(text);
    }

    /** A table: a header row, then rows; columns as wide as their widest cell. */
    synchronized void table(List<String> header, List<List<String>> rows) {
        int[] widths = header.stream().mapToInt(String::length).toArray();
        rows.forEach(row -> {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        });
        row(header, widths);
        row(header.stream().map(cell -> "-".repeat(cell.length())).toList(), widths);
        rows.forEach(row -> row(row, widths));
    }

    private void row(List<String> cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            line.append(String.format(Locale.ROOT, "%-" + widths[i] + "s  ", cells.get(i)));
        }
        out.println(line.toString().stripTrailing());
    }
}
