using System.Globalization;
using AdminPortal.Simulators.Core;

namespace AdminPortal.Simulators.Tests;

public sealed class NamesTests
{
    [Fact]
    public void Iso_PrintsWhatTheFormatStringPrinted()
    {
        var random = new Random(7);
        var samples = new List<DateTime> { DateTime.MinValue, DateTime.MaxValue, Names.BaseTime, new(2024, 2, 29, 23, 59, 59, 999, DateTimeKind.Local) };
        for (var i = 0; i < 20_000; i++) samples.Add(new DateTime(random.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), (DateTimeKind)(i % 3)));
        foreach (var t in samples)
            Assert.Equal(t.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), Names.Iso(t));
    }
}
