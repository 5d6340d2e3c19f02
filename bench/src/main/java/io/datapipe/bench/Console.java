package io.datapipe.bench;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * What the harness prints while it runs: one line per phase with the elapsed time, a progress bar
 * redrawn in place on a terminal (a line per quarter otherwise), the figures of each phase, and at the end
 * the table of results against the targets.
 */
final class Console {

    private final PrintStream out;
    private final boolean terminal;
    private final long started = System.nanoTime();
    private String phase = "";
    private int lastQuarter = -1;
    private boolean barShown;

    Console(PrintStream out) {
        this(out, false);
    }

    private Console(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    /** Prints to {@code out}, and every line also to a log file (no progress bar there). */
    static Console teeing(PrintStream out, java.nio.file.Path log) throws java.io.IOException {
        PrintStream file = new PrintStream(java.nio.file.Files.newOutputStream(log), true, java.nio.charset.StandardCharsets.UTF_8);
        boolean terminal = out == System.out && isTerminal();
        PrintStream both = new PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                out.write(b);
                file.write(b);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                out.write(bytes, offset, length);
                if (!terminal) {
                    file.write(bytes, offset, length);
                } else {
                    // The bar is redrawn with carriage returns: keep it out of the file.
                    String text = new String(bytes, offset, length, java.nio.charset.StandardCharsets.UTF_8);
                    if (!text.contains("\r")) {
                        file.write(bytes, offset, length);
                    }
                }
            }

            @Override
            public void flush() {
                out.flush();
                file.flush();
            }
        }, true, java.nio.charset.StandardCharsets.UTF_8);
        return new Console(both, terminal);
    }

    private static boolean isTerminal() {
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            // Java 22+: a console exists even when redirected; ask whether it is a terminal.
            return (boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    synchronized void phase(String name, int expectedSeconds) {
        endBar();
        phase = name;
        lastQuarter = -1;
        out.printf(Locale.ROOT, "[%6s] %s%s%n", elapsed(), name,
                   expectedSeconds > 0 ? " (" + expectedSeconds + " s)" : "");
    }

    synchronized void line(String text) {
        endBar();
        out.println(text);
    }

    /** Shows how far the current phase is: {@code done} of {@code total}. */
    synchronized void progress(long done, long total) {
        if (total <= 0) {
            return;
        }
        double fraction = Math.min(1.0, (double) done / total);
        if (terminal) {
            int width = 30;
            int filled = (int) Math.round(fraction * width);
            out.printf(Locale.ROOT, "\r  [%s%s] %3.0f%%  %s", "#".repeat(filled), ".".repeat(width - filled),
                       fraction * 100, phase);
            out.flush();
            barShown = true;
        } else {
            int quarter = (int) (fraction * 4);
            if (quarter > lastQuarter && quarter < 4) {
                lastQuarter = quarter;
                out.printf(Locale.ROOT, "  ... %d%%%n", quarter * 25);
            }
        }
    }

    private void endBar() {
        if (barShown) {
            out.print("\r" + " ".repeat(100) + "\r");
            barShown = false;
        }
    }

    private String elapsed() {
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        return String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }

    /** A table: a header row, then rows; columns as wide as their widest cell. */
    synchronized void table(List<String> header, List<List<String>> rows) {
        endBar();
        int[] widths = new int[header.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = header.get(i).length();
        }
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        printRow(header, widths);
        StringBuilder rule = new StringBuilder();
        for (int width : widths) {
            rule.append("-".repeat(width)).append("  ");
        }
        out.println(rule.toString().stripTrailing());
        rows.forEach(row -> printRow(row, widths));
    }

    private void printRow(List<String> cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            line.append(String.format(Locale.ROOT, "%-" + widths[i] + "s  ", cells.get(i)));
        }
        out.println(line.toString().stripTrailing());
    }
}
