"""A tiny network with nn and optim, its weights set by hand, in the style of
examples_nn (written for these tests)."""
import torch
from torch import nn

model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
with torch.no_grad():
    model[0].weight.copy_(torch.tensor([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]]))
    model[0].bias.copy_(torch.tensor([0.0, 0.1, -0.1]))
    model[2].weight.copy_(torch.tensor([[0.7, -0.8, 0.9]]))
    model[2].bias.copy_(torch.tensor([0.05]))

inputs = torch.tensor([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [-1.0, 0.5]])
targets = torch.tensor([[1.0], [0.0], [1.0], [0.5]])
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
print(model)
for epoch in range(30):
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    if epoch % 10 == 0:
        print(epoch, f"{loss.item():.6f}")
for name, parameter in model.named_parameters():
    print(name, tuple(parameter.shape), parameter.grad.abs().sum().item() > 0)
