package ai.goldilocks.examples;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/** The benchmark's charts: exact mean p against updates and rollouts, per seed and across seeds. */
final class BenchmarkPlots {
  private static final Color[] COLORS = {new Color(0xD6, 0x27, 0x28), new Color(0xFF, 0x7F, 0x0E), new Color(0x1F, 0x77, 0xB4),
      new Color(0x2C, 0xA0, 0x2C), new Color(0x94, 0x67, 0xBD), new Color(0x7F, 0x7F, 0x7F)};

  private BenchmarkPlots() {}

  /** One seed: mean p vs updates and vs rollouts, plus the per-step charts of {@link Plots}. */
  static void oneSeed(Path dir, Map<String, ArmRun.Result> results) throws IOException {
    Map<Long, Map<String, ArmRun.Result>> one = Map.of(0L, results);
    bands(dir.resolve("mean-p-vs-updates.png"), "Held-out exact mean p", "policy updates", one, 0, false);
    bands(dir.resolve("mean-p-vs-rollouts.png"), "Held-out exact mean p", "rollouts", one, 2, false);
    Plots.writeRunPlots(dir, results);
    speedup(dir.resolve("speedup.png"), one);
  }

  /** Across seeds: mean line with a min-max band per arm, and the speed-up bars. */
  static void acrossSeeds(Path out, Map<Long, Map<String, ArmRun.Result>> results) throws IOException {
    // seeds start from different warm starts: the change from each seed's start is what compares
    bands(out.resolve("mean-p-vs-updates.png"), "Change in held-out exact mean p from the warm start (mean over seeds, band: min-max)",
        "policy updates", results, 0, true);
    bands(out.resolve("mean-p-vs-rollouts.png"), "Change in held-out exact mean p from the warm start (mean over seeds, band: min-max)",
        "rollouts", results, 2, true);
    speedup(out.resolve("speedup.png"), results);
  }

  /**
   * One line per arm: at each evaluation point (the same points in every seed, up to the shortest
   * run), the mean over seeds, with the min-max band. {@code xColumn} 0 = updates, 2 = rollouts;
   * the x value is the mean over seeds.
   */
  private static void bands(Path png, String title, String xLabel, Map<Long, Map<String, ArmRun.Result>> results, int xColumn,
      boolean relative) throws IOException {
    Map<String, List<List<double[]>>> byArm = new LinkedHashMap<>();
    for (Map<String, ArmRun.Result> seed : results.values()) {
      for (Map.Entry<String, ArmRun.Result> e : seed.entrySet()) {
        byArm.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue().accuracy);
      }
    }
    YIntervalSeriesCollection data = new YIntervalSeriesCollection();
    for (Map.Entry<String, List<List<double[]>>> e : byArm.entrySet()) {
      YIntervalSeries s = new YIntervalSeries(e.getKey());
      int points = Integer.MAX_VALUE;
      for (List<double[]> run : e.getValue()) {
        points = Math.min(points, run.size());
      }
      for (int i = 0; i < points; i++) {
        double x = 0;
        double y = 0;
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (List<double[]> run : e.getValue()) {
          double v = run.get(i)[1] - (relative ? run.get(0)[1] : 0);
          x += run.get(i)[xColumn];
          y += v;
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
        int n = e.getValue().size();
        s.add(x / n, y / n, lo, hi);
      }
      data.addSeries(s);
    }
    DeviationRenderer r = new DeviationRenderer(true, false);
    for (int i = 0; i < byArm.size(); i++) {
      Color c = COLORS[i % COLORS.length];
      r.setSeriesPaint(i, c);
      r.setSeriesFillPaint(i, new Color(c.getRed(), c.getGreen(), c.getBlue(), 60));
      r.setSeriesStroke(i, new BasicStroke(2f));
    }
    r.setAlpha(0.25f);
    NumberAxis y = new NumberAxis(relative ? "change in mean p over held-out questions" : "mean p over held-out questions");
    y.setAutoRangeIncludesZero(false);
    Plots.save(png, title, new XYPlot(data, new NumberAxis(xLabel), y, r));
  }

  /**
   * Updates each arm needed to reach uniform's final mean p (of the same seed), one bar per arm and
   * seed; an arm that never reached it is drawn at its full number of updates and named in the
   * category label.
   */
  private static void speedup(Path png, Map<Long, Map<String, ArmRun.Result>> results) throws IOException {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (Map.Entry<Long, Map<String, ArmRun.Result>> seed : results.entrySet()) {
      ArmRun.Result uniform = seed.getValue().get("uniform");
      if (uniform == null) {
        continue;
      }
      String series = results.size() == 1 ? "updates" : "seed " + seed.getKey();
      for (Map.Entry<String, ArmRun.Result> e : seed.getValue().entrySet()) {
        Long u = e.getValue().updatesToReach(uniform.finalAccuracy);
        data.addValue(u == null ? e.getValue().updates : u, series, u == null ? e.getKey() + " (never)" : e.getKey());
      }
    }
    BarRenderer r = new BarRenderer();
    for (int i = 0; i < results.size(); i++) {
      r.setSeriesPaint(i, COLORS[(i + 2) % COLORS.length]);
    }
    CategoryPlot plot = new CategoryPlot(data, new CategoryAxis("arm"), new NumberAxis("updates to reach uniform's final mean p"), r);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    JFreeChart chart = new JFreeChart("Updates needed to reach uniform's final mean p (lower is better)", JFreeChart.DEFAULT_TITLE_FONT,
        plot, results.size() > 1);
    chart.setBackgroundPaint(Color.WHITE);
    ChartUtils.saveChartAsPNG(png.toFile(), chart, 900, 560);
  }
}
