using System.Globalization;

namespace Allmende.Bench;

/// <summary>Latency samples in milliseconds; percentiles by the nearest-rank method.</summary>
internal sealed class Latencies
{
    private readonly List<double> _samples = [];
    private bool _sorted = true;

    public int Count => _samples.Count;

    public void Add(double milliseconds)
    {
        _samples.Add(milliseconds);
        _sorted = false;
    }

    public void AddRange(Latencies other)
    {
        _samples.AddRange(other._samples);
        _sorted = false;
    }

    /// <summary>The sample at percentile <paramref name="p"/> (0 &lt; p ≤ 100); NaN without samples.</summary>
    public double Percentile(double p)
    {
        if (_samples.Count == 0) return double.NaN;
        if (!_sorted)
        {
            _samples.Sort();
            _sorted = true;
        }
        var rank = (int)Math.Ceiling(p / 100.0 * _samples.Count);
        return _samples[Math.Clamp(rank - 1, 0, _samples.Count - 1)];
    }

    public string Format(double p) => Percentile(p) is var ms && double.IsNaN(ms) ? "–" : FormatMs(ms);

    public static string FormatMs(double ms) => ms switch
    {
        < 1 => ms.ToString("0.00", CultureInfo.InvariantCulture) + " ms",
        < 100 => ms.ToString("0.0", CultureInfo.InvariantCulture) + " ms",
        _ => ms.ToString("0", CultureInfo.InvariantCulture) + " ms",
    };
}
