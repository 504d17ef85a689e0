"""Wrong answers to the questions of 01_scalar_outputs, each plausible for a student."""

Q1 = "predicted_grad = [2.0, -4.0, 1.0]  # forgot that gradients accumulate\n"

Q2 = """
def grad_of_mean_square(values):
    x = mg.tensor(values, requires_grad=True)
    y = (x ** 2).sum()  # the sum, not the mean
    y.backward()
    return x.grad
"""

Q3 = """
def softplus_backward(x, grad_output):
    return grad_output * np.exp(x)  # the derivative of exp, not of softplus
"""

Q4 = """
def mse_gradient(X, y, w):
    return np.zeros(len(w))
"""

Q5 = """
def hidden_grads(X, w):
    X = mg.tensor(X)
    w = mg.tensor(w, requires_grad=True)
    h = (X @ w).tanh()
    loss = (h ** 2).mean()
    h.requires_grad_()  # h is no leaf: this keeps no .grad
    loss.backward()
    return h.grad, w.grad
"""

ALL = {"ex1_q1_answer": Q1, "ex1_q2_answer": Q2, "ex1_q3_answer": Q3, "ex1_q4_answer": Q4,
       "ex1_q5_answer": Q5}


def but(**tricks):
    """All wrong answers, with some cells replaced by ``tricks`` (q1=..., q2=...)."""
    answers = dict(ALL)
    for key, code in tricks.items():
        answers[f"ex1_{key}_answer"] = code
    return answers
