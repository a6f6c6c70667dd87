using System.Reflection;
using Allmende.Tests.Infrastructure;
using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestFramework("Allmende.Tests.Infrastructure.HostLogsOnFailure", "Allmende.Tests")]

namespace Allmende.Tests.Infrastructure;

/// <summary>
/// xunit as it is, except that at most 6 test collections run at once (see AssemblyRunner), biggest
/// first, and that a failed test's output ends with what its hosts logged while it ran
/// (<see cref="HostLog"/>). The console logger prints a test's output only when it fails, so a green
/// run is a list of test names and a red one tells its story. xunit v2 offers no lighter hook that
/// knows a test's outcome: the runners below only pass the hook down to <see cref="TestRunner"/>.
/// </summary>
public sealed class HostLogsOnFailure(IMessageSink messageSink) : XunitTestFramework(messageSink)
{
    protected override ITestFrameworkExecutor CreateExecutor(AssemblyName assemblyName) =>
        new Executor(assemblyName, SourceInformationProvider, DiagnosticMessageSink);

    private sealed class Executor(AssemblyName name, ISourceInformationProvider source, IMessageSink diagnostics)
        : XunitTestFrameworkExecutor(name, source, diagnostics)
    {
        protected override async void RunTestCases(IEnumerable<IXunitTestCase> testCases, IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions)
        {
            using var runner = new AssemblyRunner(TestAssembly, testCases, DiagnosticMessageSink, executionMessageSink, executionOptions);
            await runner.RunAsync();
        }
    }

    private sealed class AssemblyRunner(ITestAssembly assembly, IEnumerable<IXunitTestCase> testCases, IMessageSink diagnostics,
        IMessageSink execution, ITestFrameworkExecutionOptions options)
        : XunitTestAssemblyRunner(assembly, testCases, diagnostics, execution, options)
    {
        // xunit starts every test collection (here: every class) at once and bounds only the threads;
        // each class's fixture then starts a host whose background work polls the database every
        // 200 ms. Some 50 idle-polling hosts at a time made a 2-core run slow enough for tests to time
        // out. At most this many collections run at once, so at most this many class fixtures live.
        private static readonly SemaphoreSlim Running = new(CollectionsAtOnce());

        protected override async Task<RunSummary> RunTestCollectionAsync(IMessageBus messageBus, ITestCollection testCollection,
            IEnumerable<IXunitTestCase> testCases, CancellationTokenSource cancellationTokenSource)
        {
            await Running.WaitAsync(cancellationTokenSource.Token);
            try
            {
                return await new CollectionRunner(testCollection, testCases, DiagnosticMessageSink, messageBus, TestCaseOrderer,
                    new ExceptionAggregator(Aggregator), cancellationTokenSource).RunAsync();
            }
            finally
            {
                Running.Release();
            }
        }

        // With a bound, order matters: the biggest collections (the browser tests share one) start
        // first, so that the run does not end with one long collection running alone.
        protected override async Task AfterTestAssemblyStartingAsync()
        {
            await base.AfterTestAssemblyStartingAsync();
            TestCollectionOrderer = new BiggestFirst(TestCases);
        }

        private static int CollectionsAtOnce() =>
            int.TryParse(Environment.GetEnvironmentVariable("ALLMENDE_TEST_COLLECTIONS"), out var n) && n > 0 ? n : 6;
    }

    private sealed class BiggestFirst(IEnumerable<IXunitTestCase> testCases) : ITestCollectionOrderer
    {
        private readonly Dictionary<Guid, int> _sizes = testCases.GroupBy(c => c.TestMethod.TestClass.TestCollection.UniqueID)
            .ToDictionary(g => g.Key, g => g.Count());

        public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> collections) =>
            collections.OrderByDescending(c => _sizes.GetValueOrDefault(c.UniqueID)).ThenBy(c => c.DisplayName, StringComparer.Ordinal);
    }

    private sealed class CollectionRunner(ITestCollection collection, IEnumerable<IXunitTestCase> testCases, IMessageSink diagnostics,
        IMessageBus bus, ITestCaseOrderer orderer, ExceptionAggregator aggregator, CancellationTokenSource cancellation)
        : XunitTestCollectionRunner(collection, testCases, diagnostics, bus, orderer, aggregator, cancellation)
    {
        protected override Task<RunSummary> RunTestClassAsync(ITestClass testClass, IReflectionTypeInfo @class, IEnumerable<IXunitTestCase> testCases) =>
            new ClassRunner(testClass, @class, testCases, DiagnosticMessageSink, MessageBus, TestCaseOrderer,
                new ExceptionAggregator(Aggregator), CancellationTokenSource, CollectionFixtureMappings).RunAsync();
    }

    private sealed class ClassRunner(ITestClass testClass, IReflectionTypeInfo @class, IEnumerable<IXunitTestCase> testCases, IMessageSink diagnostics,
        IMessageBus bus, ITestCaseOrderer orderer, ExceptionAggregator aggregator, CancellationTokenSource cancellation, IDictionary<Type, object> collectionFixtures)
        : XunitTestClassRunner(testClass, @class, testCases, diagnostics, bus, orderer, aggregator, cancellation, collectionFixtures)
    {
        private readonly IMessageSink _diagnostics = diagnostics;

        protected override Task<RunSummary> RunTestMethodAsync(ITestMethod testMethod, IReflectionMethodInfo method, IEnumerable<IXunitTestCase> testCases, object[] constructorArguments) =>
            new MethodRunner(testMethod, Class, method, testCases, _diagnostics, MessageBus, new ExceptionAggregator(Aggregator), CancellationTokenSource, constructorArguments).RunAsync();
    }

    private sealed class MethodRunner(ITestMethod testMethod, IReflectionTypeInfo @class, IReflectionMethodInfo method, IEnumerable<IXunitTestCase> testCases,
        IMessageSink diagnostics, IMessageBus bus, ExceptionAggregator aggregator, CancellationTokenSource cancellation, object[] constructorArguments)
        : XunitTestMethodRunner(testMethod, @class, method, testCases, diagnostics, bus, aggregator, cancellation, constructorArguments)
    {
        private readonly IMessageSink _diagnostics = diagnostics;
        private readonly object[] _constructorArguments = constructorArguments;

        protected override Task<RunSummary> RunTestCaseAsync(IXunitTestCase testCase) => testCase switch
        {
            XunitTheoryTestCase => new TheoryCaseRunner(testCase, testCase.DisplayName, testCase.SkipReason, _constructorArguments, _diagnostics,
                MessageBus, new ExceptionAggregator(Aggregator), CancellationTokenSource).RunAsync(),
            _ when testCase.GetType() == typeof(XunitTestCase) => new CaseRunner(testCase, testCase.DisplayName, testCase.SkipReason, _constructorArguments,
                testCase.TestMethodArguments, MessageBus, new ExceptionAggregator(Aggregator), CancellationTokenSource).RunAsync(),
            _ => base.RunTestCaseAsync(testCase), // skipped-by-error and other special cases run as xunit runs them
        };
    }

    private sealed class CaseRunner(IXunitTestCase testCase, string displayName, string skipReason, object[] constructorArguments,
        object[] testMethodArguments, IMessageBus bus, ExceptionAggregator aggregator, CancellationTokenSource cancellation)
        : XunitTestCaseRunner(testCase, displayName, skipReason, constructorArguments, testMethodArguments, bus, aggregator, cancellation)
    {
        protected override XunitTestRunner CreateTestRunner(ITest test, IMessageBus messageBus, Type testClass, object[] constructorArguments, MethodInfo testMethod,
            object[] testMethodArguments, string skipReason, IReadOnlyList<BeforeAfterTestAttribute> beforeAfterAttributes, ExceptionAggregator aggregator,
            CancellationTokenSource cancellationTokenSource) =>
            new TestRunner(test, messageBus, testClass, constructorArguments, testMethod, testMethodArguments, skipReason, beforeAfterAttributes, aggregator, cancellationTokenSource);
    }

    private sealed class TheoryCaseRunner(IXunitTestCase testCase, string displayName, string skipReason, object[] constructorArguments,
        IMessageSink diagnostics, IMessageBus bus, ExceptionAggregator aggregator, CancellationTokenSource cancellation)
        : XunitTheoryTestCaseRunner(testCase, displayName, skipReason, constructorArguments, diagnostics, bus, aggregator, cancellation)
    {
        protected override XunitTestRunner CreateTestRunner(ITest test, IMessageBus messageBus, Type testClass, object[] constructorArguments, MethodInfo testMethod,
            object[] testMethodArguments, string skipReason, IReadOnlyList<BeforeAfterTestAttribute> beforeAfterAttributes, ExceptionAggregator aggregator,
            CancellationTokenSource cancellationTokenSource) =>
            new TestRunner(test, messageBus, testClass, constructorArguments, testMethod, testMethodArguments, skipReason, beforeAfterAttributes, aggregator, cancellationTokenSource);
    }

    private sealed class TestRunner(ITest test, IMessageBus bus, Type testClass, object[] constructorArguments, MethodInfo testMethod, object[] testMethodArguments,
        string skipReason, IReadOnlyList<BeforeAfterTestAttribute> beforeAfterAttributes, ExceptionAggregator aggregator, CancellationTokenSource cancellation)
        : XunitTestRunner(test, bus, testClass, constructorArguments, testMethod, testMethodArguments, skipReason, beforeAfterAttributes, aggregator, cancellation)
    {
        protected override async Task<Tuple<decimal, string>> InvokeTestAsync(ExceptionAggregator aggregator)
        {
            var logs = HostLog.BeginTest(ConstructorArguments.OfType<AllmendeApp>().Select(a => a.Log));
            var (time, output) = await base.InvokeTestAsync(aggregator);
            if (!aggregator.HasExceptions)
                return Tuple.Create(time, output);
            var lines = logs.SelectMany(l => l.Lines).ToList();
            return Tuple.Create(time, lines.Count == 0 ? output
                : $"{output}{Environment.NewLine}What the test's hosts logged:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}");
        }
    }
}
