namespace Allmende.Tests.Infrastructure;

/// <summary>For what the system reaches after commit (deliveries, projections): poll, never sleep for correctness.</summary>
public static class Eventually
{
    /// <summary>Waits for a condition the system reaches eventually; fails with <paramref name="what"/> after the timeout.</summary>
    public static async Task ReachedAsync(Func<Task<bool>> condition, string what, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Not reached within {timeoutSeconds}s: {what}");
            await Task.Delay(25);
        }
    }
}
