using Federated.Client.Data;
using Federated.Model.Parameters;

namespace Federated.Client.Tests.Data;

public sealed class MovieLensSourceTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Read_Ml100K_JoinsGenresAndDemographics()
    {
        Write100K();
        var source = new MovieLensSource(_dir.Path);

        var examples = source.Read().ToList();

        Assert.Equal(MovieLensLayout.Ml100K, source.Layout);
        Assert.Equal(3, examples.Count);
        var first = examples[0];
        Assert.Equal(["1"], first.Tokens[0]);
        Assert.Equal(["196"], first.Tokens[1]);
        Assert.Equal(["Animation", "Children's", "Comedy"], first.Tokens[2]);
        Assert.Equal(["18"], first.Tokens[3]); // 24 years → group 18
        Assert.Equal(["M"], first.Tokens[4]);
        Assert.Equal(["technician"], first.Tokens[5]);
        Assert.Equal([5f, 1f], first.Labels);
        Assert.Equal(881250949, first.Time);
        Assert.Equal([3f, 0f], examples[1].Labels);
        Assert.Equal(0, source.Report.BadRows);
    }

    [Fact]
    public void Read_Ml1M_SplitsDoubleColonAndGenreNames()
    {
        Write1M();
        var source = new MovieLensSource(_dir.Path);

        var examples = source.Read().ToList();

        Assert.Equal(MovieLensLayout.Ml1M, source.Layout);
        Assert.Equal(2, examples.Count);
        Assert.Equal(["1193"], examples[0].Tokens[0]);
        Assert.Equal(["1"], examples[0].Tokens[1]);
        Assert.Equal(["Drama"], examples[0].Tokens[2]);
        Assert.Equal(["1"], examples[0].Tokens[3]);
        Assert.Equal(["F"], examples[0].Tokens[4]);
        Assert.Equal(["10"], examples[0].Tokens[5]);
        Assert.Equal(["Animation", "Children's", "Comedy"], examples[1].Tokens[2]);
        Assert.Equal([4f, 1f], examples[1].Labels);
        Assert.Equal(978300760, examples[0].Time);
    }

    [Fact]
    public void Read_BadRatingRows_CountedWithLineNumbersAndFile()
    {
        Write100K(extraRatings: "196\t999\t4\t881250950\n186\t302\tthree\t891717742\n186\t302\n");
        var source = new MovieLensSource(_dir.Path);

        var examples = source.Read().ToList();

        Assert.Equal(3, examples.Count);
        Assert.Equal(3, source.Report.BadRows);
        Assert.Equal([4L, 5L, 6L], source.Report.FirstBadRows.Select(r => r.LineNumber));
        Assert.All(source.Report.FirstBadRows, r => Assert.Equal("u.data", r.File));
        Assert.Contains("item '999'", source.Report.FirstBadRows[0].Reason, StringComparison.Ordinal);
        Assert.Contains("'three'", source.Report.FirstBadRows[1].Reason, StringComparison.Ordinal);
        Assert.Contains("expected 4 cells", source.Report.FirstBadRows[2].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingUserFile_FailsNamingTheFile()
    {
        Write100K();
        File.Delete(Path.Combine(_dir.Path, "u.user"));

        var error = Assert.Throws<DataFormatException>(() => new MovieLensSource(_dir.Path).Read().ToList());

        Assert.Equal("u.user", error.Column);
    }

    [Fact]
    public void Detect_EmptyDirectory_FailsWithClearMessage()
    {
        var error = Assert.Throws<DataFormatException>(() => new MovieLensSource(_dir.Path));

        Assert.Contains("u.data", error.Message, StringComparison.Ordinal);
        Assert.Contains("ratings.dat", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelSpec_Default_HasSharedItemsLocalUsersAndBothTasks()
    {
        var spec = MovieLensModelSpec.Create();
        var layout = ParameterLayout.FromSpec(spec);

        Assert.Equal(Federated.Model.Spec.ParameterScope.Shared, layout["emb/item"].Scope);
        Assert.Equal(Federated.Model.Spec.ParameterScope.Local, layout["emb/user"].Scope);
        Assert.True(spec.Fields[spec.FieldIndex("genres")].MultiValued);
        Assert.Equal(Federated.Model.Spec.TaskKind.Regression, spec.Tasks[spec.TaskIndex("rating")].Kind);
        Assert.Equal(Federated.Model.Spec.TaskKind.Binary, spec.Tasks[spec.TaskIndex("like")].Kind);
    }

    [Fact]
    public void LoadTable_VocabularyItems_EncodesIdsAndRejectsOutOfRangeWithLineNumber()
    {
        Write100K(extraItems: "2000|Far Away (1999)|01-Jan-1999||http://x|0|0|0|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0\n", extraRatings: "196\t2000\t4\t881250950\n");
        var spec = MovieLensModelSpec.Create(new MovieLensSpecOptions { ItemVocabulary = 1683 });

        var table = ExampleTable.Load(new MovieLensSource(_dir.Path), spec);

        Assert.Equal(3, table.Count);
        Assert.Equal(1, table.Report.BadRows);
        var bad = Assert.Single(table.Report.FirstBadRows);
        Assert.Equal(4, bad.LineNumber);
        Assert.Contains("id 2000 is outside its vocabulary [0, 1683)", bad.Reason, StringComparison.Ordinal);
        var batch = new Federated.Model.Training.Batch(spec, 4);
        table.Fill(batch, [0, 1, 2], null);
        Assert.Equal([1, 242, 302], batch.Ids(0)[..3].ToArray());
    }

    private void Write100K(string extraItems = "", string extraRatings = "")
    {
        _dir.Write("u.item",
            "1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n" +
            "242|Kolya (1996)|24-Jan-1997||http://us.imdb.com/M/title-exact?Kolya%20(1996)|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n" +
            "302|L.A. Confidential (1997)|01-Jan-1997||http://x|0|0|0|0|0|0|1|0|0|0|1|0|0|1|0|0|1|0|0\n" + extraItems);
        _dir.Write("u.user", "196|24|M|technician|85711\n186|53|F|other|94043\n");
        _dir.Write("u.data", "196\t1\t5\t881250949\n186\t242\t3\t891717742\n196\t302\t4\t881251000\n" + extraRatings);
    }

    private void Write1M()
    {
        _dir.Write("movies.dat", "1::Toy Story (1995)::Animation|Children's|Comedy\n1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n");
        _dir.Write("users.dat", "1::F::1::10::48067\n2::M::56::16::70072\n");
        _dir.Write("ratings.dat", "1::1193::5::978300760\n2::1::4::978298413\n");
    }
}
