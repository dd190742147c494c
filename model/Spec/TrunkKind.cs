namespace Federated.Model.Spec;

/// <summary>The shared part of the network between the input and the task towers.</summary>
public enum TrunkKind
{
    /// <summary>One MLP whose output feeds every tower.</summary>
    SharedBottom,

    /// <summary>Multi-gate mixture of experts (Ma et al. 2018): K expert MLPs, one softmax gate per task.</summary>
    Mmoe,

    /// <summary>Progressive layered extraction (Tang et al. 2020): shared and task-specific experts per level.</summary>
    Ple,
}
