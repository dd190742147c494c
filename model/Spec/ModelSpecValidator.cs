using Federated.Model.Parameters;

namespace Federated.Model.Spec;

/// <summary>Checks a <see cref="ModelSpec"/> and reports the first violation with its JSON path.</summary>
internal static class ModelSpecValidator
{
    public static void Validate(ModelSpec spec)
    {
        ValidateFields(spec);
        ValidateNumeric(spec);
        ValidateTrunk(spec.Trunk);
        ValidateTasks(spec);
        ValidateEsmm(spec);
        ValidateRowBiases(spec);
        ValidateInteraction(spec);

        if (spec.HashVersion is { } version && version is not (1 or 2))
        {
            Fail("hashVersion", $"must be 1 (FNV-1a, the default) or 2 (FNV-1a with a mixing finaliser), not {version}");
        }

        if (!float.IsFinite(spec.L2) || spec.L2 < 0)
        {
            Fail("l2", $"must be a finite number ≥ 0, not {spec.L2}");
        }

        if (!float.IsFinite(spec.Dropout) || spec.Dropout < 0 || spec.Dropout >= 1)
        {
            Fail("dropout", $"must be in [0, 1), not {spec.Dropout}");
        }
    }

    private static void ValidateFields(ModelSpec spec)
    {
        if (spec.Fields is null || spec.Fields.Count == 0)
        {
            Fail("fields", "at least one categorical field is required");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Fields.Count; i++)
        {
            var field = spec.Fields[i];
            var key = $"fields[{i}]";
            if (field is null)
            {
                Fail(key, "is null");
            }

            RequireName(field.Name, $"{key}.name");
            if (!names.Add(field.Name))
            {
                Fail($"{key}.name", $"duplicate field name '{field.Name}'");
            }

            if (field.Dim < 1)
            {
                Fail($"{key}.dim", $"field '{field.Name}' needs an embedding dimension ≥ 1, not {field.Dim}");
            }

            if (field.Buckets is null == field.Vocabulary is null)
            {
                Fail(key, $"field '{field.Name}' needs exactly one of 'buckets' (hashed tokens) and 'vocabulary' (integer ids)");
            }

            if (field.Rows < 1)
            {
                Fail(field.IsHashed ? $"{key}.buckets" : $"{key}.vocabulary", $"field '{field.Name}' needs at least 1 row, not {field.Rows}");
            }

            if (!Enum.IsDefined(field.Scope))
            {
                Fail($"{key}.scope", $"unknown scope {field.Scope}");
            }
        }
    }

    private static void ValidateNumeric(ModelSpec spec)
    {
        if (spec.Numeric is null)
        {
            Fail("numeric", "must be a list of feature names (use [] for none)");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Numeric.Count; i++)
        {
            RequireName(spec.Numeric[i], $"numeric[{i}]");
            if (!names.Add(spec.Numeric[i]))
            {
                Fail($"numeric[{i}]", $"duplicate numeric feature '{spec.Numeric[i]}'");
            }
        }
    }

    private static void ValidateTrunk(TrunkSpec trunk)
    {
        if (trunk is null)
        {
            Fail("trunk", "is required");
        }

        if (trunk.Hidden is null || trunk.Hidden.Count == 0)
        {
            Fail("trunk.hidden", "at least one hidden layer width is required");
        }

        for (var i = 0; i < trunk.Hidden.Count; i++)
        {
            if (trunk.Hidden[i] < 1)
            {
                Fail($"trunk.hidden[{i}]", $"a layer width must be ≥ 1, not {trunk.Hidden[i]}");
            }
        }

        switch (trunk.Kind)
        {
            case TrunkKind.SharedBottom:
                RequireUnset(trunk.Experts, "trunk.experts", "mmoe");
                RequireUnset(trunk.SharedExperts, "trunk.sharedExperts", "ple");
                RequireUnset(trunk.TaskExperts, "trunk.taskExperts", "ple");
                break;
            case TrunkKind.Mmoe:
                if (trunk.Experts < 1)
                {
                    Fail("trunk.experts", $"an mmoe trunk needs at least 1 expert, not {trunk.Experts}");
                }

                RequireUnset(trunk.SharedExperts, "trunk.sharedExperts", "ple");
                RequireUnset(trunk.TaskExperts, "trunk.taskExperts", "ple");
                break;
            case TrunkKind.Ple:
                if (trunk.SharedExperts < 1)
                {
                    Fail("trunk.sharedExperts", $"a ple trunk needs at least 1 shared expert, not {trunk.SharedExperts}");
                }

                if (trunk.TaskExperts < 1)
                {
                    Fail("trunk.taskExperts", $"a ple trunk needs at least 1 expert per task, not {trunk.TaskExperts}");
                }

                RequireUnset(trunk.Experts, "trunk.experts", "mmoe");
                break;
            default:
                Fail("trunk.kind", $"unknown trunk kind {trunk.Kind}");
                break;
        }

        if (trunk.Levels < 1 || (trunk.Kind != TrunkKind.Ple && trunk.Levels != 1))
        {
            Fail("trunk.levels", trunk.Kind == TrunkKind.Ple
                ? $"a ple trunk needs at least 1 level, not {trunk.Levels}"
                : "levels apply only to a ple trunk");
        }
    }

    private static void ValidateTasks(ModelSpec spec)
    {
        if (spec.Tasks is null || spec.Tasks.Count == 0)
        {
            Fail("tasks", "at least one task is required");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Tasks.Count; i++)
        {
            var task = spec.Tasks[i];
            var key = $"tasks[{i}]";
            if (task is null)
            {
                Fail(key, "is null");
            }

            RequireName(task.Name, $"{key}.name");
            if (!names.Add(task.Name))
            {
                Fail($"{key}.name", $"duplicate task name '{task.Name}'");
            }

            if (spec.Trunk.Kind == TrunkKind.Ple && task.Name == TensorNames.PleShared)
            {
                Fail($"{key}.name", $"a ple trunk names its shared experts and gates '{TensorNames.PleSharedExpert(0, 0)}' and '{TensorNames.PleSharedGate(0)}', so a task named '{TensorNames.PleShared}' would collide with them");
            }

            if (!float.IsFinite(task.Weight) || task.Weight < 0)
            {
                Fail($"{key}.weight", $"task '{task.Name}' needs a finite loss weight ≥ 0, not {task.Weight}");
            }

            if (task.Tower is null || task.Tower.Count == 0)
            {
                Fail($"{key}.tower", $"task '{task.Name}' needs a tower with at least one hidden layer");
            }

            for (var j = 0; j < task.Tower.Count; j++)
            {
                if (task.Tower[j] < 1)
                {
                    Fail($"{key}.tower[{j}]", $"a layer width must be ≥ 1, not {task.Tower[j]}");
                }
            }

            if (!Enum.IsDefined(task.Kind))
            {
                Fail($"{key}.kind", $"unknown task kind {task.Kind}");
            }

            if (task.PositiveWeight is { } positiveWeight)
            {
                if (task.Kind != TaskKind.Binary)
                {
                    Fail($"{key}.positiveWeight", $"task '{task.Name}' is a {task.Kind.ToString().ToLowerInvariant()} task; a positive weight applies to binary tasks only");
                }

                if (!float.IsFinite(positiveWeight) || positiveWeight <= 0)
                {
                    Fail($"{key}.positiveWeight", $"task '{task.Name}' needs a finite positive weight > 0, not {positiveWeight}");
                }
            }

            if (!float.IsFinite(task.OutputBias))
            {
                Fail($"{key}.outputBias", $"task '{task.Name}' needs a finite initial output bias, not {task.OutputBias}");
            }
        }
    }

    private static void ValidateEsmm(ModelSpec spec)
    {
        if (spec.Esmm is null)
        {
            return;
        }

        var click = spec.TaskIndex(spec.Esmm.Click);
        var conversion = spec.TaskIndex(spec.Esmm.Conversion);
        if (click < 0)
        {
            Fail("esmm.click", $"no task is named '{spec.Esmm.Click}'");
        }

        if (conversion < 0)
        {
            Fail("esmm.conversion", $"no task is named '{spec.Esmm.Conversion}'");
        }

        if (click == conversion)
        {
            Fail("esmm", "click and conversion must be two different tasks");
        }

        if (spec.Tasks[click].Kind != TaskKind.Binary || spec.Tasks[conversion].Kind != TaskKind.Binary)
        {
            Fail("esmm", "both ESMM tasks must be binary");
        }
    }

    private static void ValidateRowBiases(ModelSpec spec)
    {
        for (var f = 0; f < spec.Fields.Count; f++)
        {
            var tasks = spec.Fields[f].BiasTasks;
            if (tasks is not null)
            {
                RequireTasks(spec, tasks, $"fields[{f}].biasTasks");
            }
        }
    }

    private static void ValidateInteraction(ModelSpec spec)
    {
        if (spec.Interaction is not { } interaction)
        {
            return;
        }

        if (!Enum.IsDefined(interaction.Kind))
        {
            Fail("interaction.kind", $"unknown interaction kind {interaction.Kind}");
        }

        if (interaction.Fields is null || interaction.Fields.Count != 2)
        {
            Fail("interaction.fields", "exactly two field names are required, e.g. [\"user\", \"item\"]");
        }

        var a = spec.FieldIndex(interaction.Fields[0]);
        var b = spec.FieldIndex(interaction.Fields[1]);
        for (var i = 0; i < 2; i++)
        {
            if ((i == 0 ? a : b) < 0)
            {
                Fail($"interaction.fields[{i}]", $"no field is named '{interaction.Fields[i]}'");
            }
        }

        if (a == b)
        {
            Fail("interaction.fields", "the two fields must be different");
        }

        if (spec.Fields[a].Dim != spec.Fields[b].Dim)
        {
            Fail("interaction.fields", $"fields '{spec.Fields[a].Name}' (dim {spec.Fields[a].Dim}) and '{spec.Fields[b].Name}' (dim {spec.Fields[b].Dim}) need the same dim");
        }

        var tasks = interaction.Tasks ?? [];
        if (interaction.Kind == InteractionKind.Dot)
        {
            if (tasks.Count == 0)
            {
                Fail("interaction.tasks", "a dot interaction needs at least one task to add its output to");
            }

            RequireTasks(spec, tasks, "interaction.tasks");
        }
        else if (tasks.Count != 0)
        {
            Fail("interaction.tasks", "a product interaction feeds the trunk, so it takes no tasks");
        }
    }

    private static void RequireTasks(ModelSpec spec, IReadOnlyList<string> tasks, string key)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < tasks.Count; i++)
        {
            if (spec.TaskIndex(tasks[i]) < 0)
            {
                Fail($"{key}[{i}]", $"no task is named '{tasks[i]}'");
            }

            if (!seen.Add(tasks[i]))
            {
                Fail($"{key}[{i}]", $"task '{tasks[i]}' is listed twice");
            }
        }
    }

    private static void RequireName(string? name, string key)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            Fail(key, "a non-empty name is required");
        }

        if (name.Contains('/', StringComparison.Ordinal))
        {
            Fail(key, $"'{name}' must not contain '/', which separates parts of tensor names");
        }
    }

    private static void RequireUnset(int value, string key, string kind)
    {
        if (value != 0)
        {
            Fail(key, $"applies only to a {kind} trunk");
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Fail(string key, string reason) => throw new ModelSpecException(key, reason);
}
