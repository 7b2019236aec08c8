package ai.goldilocks.examples;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** PNG line charts, one line per series, with JFreeChart (headless). */
final class Plots {
  private static final Color[] COLORS = {new Color(0xD6, 0x27, 0x28), new Color(0xFF, 0x7F, 0x0E), new Color(0x1F, 0x77, 0xB4),
      new Color(0x2C, 0xA0, 0x2C), new Color(0x94, 0x67, 0xBD), new Color(0x8C, 0x56, 0x4B)};

  private Plots() {}

  /** Writes a chart; {@code series} maps a name to rows of (x, y); NaN points are skipped. */
  static void line(Path png, String title, String xLabel, String yLabel, Map<String, double[][]> series) throws IOException {
    XYSeriesCollection data = new XYSeriesCollection();
    for (Map.Entry<String, double[][]> e : series.entrySet()) {
      XYSeries s = new XYSeries(e.getKey());
      for (double[] p : e.getValue()) {
        if (Double.isFinite(p[1])) {
          s.add(p[0], p[1]);
        }
      }
      data.addSeries(s);
    }
    NumberAxis x = new NumberAxis(xLabel);
    NumberAxis y = new NumberAxis(yLabel);
    y.setAutoRangeIncludesZero(false);
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
    for (int i = 0; i < series.size(); i++) {
      r.setSeriesPaint(i, COLORS[i % COLORS.length]);
      r.setSeriesStroke(i, new BasicStroke(2f));
    }
    save(png, title, new XYPlot(data, x, y, r));
  }

  /** Writes an XY plot as a 900 x 560 PNG: white background, light grid, legend. */
  static void save(Path png, String title, XYPlot plot) throws IOException {
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
    chart.setBackgroundPaint(Color.WHITE);
    ChartUtils.saveChartAsPNG(png.toFile(), chart, 900, 560);
  }

  /** Moving average over a window, for noisy per-step series. */
  static double[][] smooth(double[][] rows, int window) {
    double[][] out = new double[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      double s = 0;
      int n = 0;
      for (int j = Math.max(0, i - window + 1); j <= i; j++) {
        if (Double.isFinite(rows[j][1])) {
          s += rows[j][1];
          n++;
        }
      }
      out[i] = new double[] {rows[i][0], n == 0 ? Double.NaN : s / n};
    }
    return out;
  }

  /** The four per-run charts of the benchmark and the omr example, one line per arm. */
  static void writeRunPlots(Path out, Map<String, ArmRun.Result> results) throws IOException {
    Map<String, double[][]> acc = new java.util.LinkedHashMap<>();
    Map<String, double[][]> zero = new java.util.LinkedHashMap<>();
    Map<String, double[][]> reward = new java.util.LinkedHashMap<>();
    Map<String, double[][]> grad = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, ArmRun.Result> e : results.entrySet()) {
      acc.put(e.getKey(), e.getValue().accuracy.toArray(new double[0][]));
      java.util.List<ai.goldilocks.grpo.StepMetrics> st = e.getValue().steps;
      double[][] z = new double[st.size()][];
      double[][] rw = new double[st.size()][];
      double[][] g = new double[st.size()][];
      for (int i = 0; i < st.size(); i++) {
        z[i] = new double[] {st.get(i).policyVersion(), st.get(i).zeroVarianceFraction()};
        rw[i] = new double[] {st.get(i).policyVersion(), st.get(i).rewardMean()};
        g[i] = new double[] {st.get(i).policyVersion(), st.get(i).gradNorm()};
      }
      zero.put(e.getKey(), smooth(z, 10));
      reward.put(e.getKey(), smooth(rw, 10));
      grad.put(e.getKey(), smooth(g, 10));
    }
    line(out.resolve("validation-accuracy.png"), "Validation (the run's primary metric)", "policy updates", "value", acc);
    line(out.resolve("zero-variance-fraction.png"), "Zero-variance groups (moving average of 10 steps)", "policy updates",
        "fraction of groups", zero);
    line(out.resolve("training-reward.png"), "Training reward (moving average of 10 steps)", "policy updates", "mean reward",
        reward);
    line(out.resolve("gradient-norm.png"), "Gradient norm before clipping (moving average of 10 steps)", "policy updates",
        "L2 norm", grad);
  }
}
