"""Gradient descent: p <- p - learning_rate * dE/dp, in place on the arrays given to initialise."""


class GradientDescentLearningRule:
    def __init__(self, learning_rate=1e-3):
        assert learning_rate > 0.0, "learning_rate should be positive."
        self.learning_rate = learning_rate

    def initialise(self, params):
        self.params = params

    def reset(self):
        pass

    def update_params(self, grads_wrt_params):
        for param, grad in zip(self.params, grads_wrt_params):
            param -= self.learning_rate * grad
