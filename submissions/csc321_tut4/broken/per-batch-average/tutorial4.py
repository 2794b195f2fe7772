#!/usr/bin/env python
# coding: utf-8


# # CSC321 Tutorial 4: Multi-Class Classification with PyTorch
#
# A linear classifier of MNIST digits in PyTorch: data, model, predictions, loss, optimizer, weight decay, batching, and a training loop.


# In[ ]:


get_ipython().run_line_magic('matplotlib', 'inline')


# ## Data
#
# The first 2,500 images of MNIST's training set.


# In[ ]:


from torchvision import datasets

# load the training data
mnist_train = datasets.MNIST('data', train=True, download=True)
mnist_train = list(mnist_train)[:2500]

print(mnist_train[0])


# In[ ]:


# plot the first 18 images in the training data
import matplotlib.pyplot as plt
for k, (image, label) in enumerate(mnist_train[:18]):
    plt.subplot(3, 6, k+1)
    plt.imshow(image, cmap='gray')
plt.show()


# In[ ]:


from torchvision import transforms
# transform the image data type to a 28x28 matrix of numbers
img_to_tensor = transforms.ToTensor()

# convert the last image we saw into a tensor
img_tensor = img_to_tensor(image)
img_tensor.shape


# In[ ]:


mnist_train = datasets.MNIST('data', train=True, transform=img_to_tensor)
mnist_train = list(mnist_train)[:2500]
print(mnist_train[0])


# In[ ]:


mnist_train, mnist_val = mnist_train[:2000], mnist_train[2000:]


# ## Linear Model in PyTorch


# In[ ]:


import torch
import torch.nn as nn

example_model = nn.Linear(50, 1) # assume 50 features, 1 linear output


# In[ ]:


weight, bias = list(example_model.parameters())
print(weight)
print(weight.shape)
print(bias)
print(bias.shape)


# In[ ]:


model = nn.Linear(784, 10) # 784 = 28*28

weight, bias = list(model.parameters())
print(weight.shape)
print(bias.shape)


# ## Making Predictions


# In[ ]:


x = torch.randn(50) # create a rank 1 tensor (vector) with 50 features
x.shape


# In[ ]:


y = example_model(x)
y.shape


# In[ ]:


torch.sigmoid(example_model(x))


# In[ ]:


x = torch.randn([32, 50]) # a stack of 32 inputs
print(x.shape)
y = example_model(x)
print(y.shape)


# In[ ]:


x = img_tensor.view(1, 784)
print(x.shape)
z = model(x)
print(z)
print(z.shape)
y = torch.softmax(z, dim=1)
print(y)


# ## Loss Function


# In[ ]:


criterion = nn.CrossEntropyLoss()


# In[ ]:


loss = criterion(y, torch.Tensor([8]).long()) # digit 8 = the 8-th class
print(loss)


# ## Optimization and Weight Decay


# In[ ]:


import torch.optim as optim
optimizer = optim.SGD(model.parameters(), lr=0.005) # lr = learning rate

loss.backward() # compute updates for each parameter
optimizer.step() # make the updates for each parameter
optimizer.zero_grad() # a clean up step for PyTorch


# In[ ]:


optimizer = optim.SGD(model.parameters(), lr=0.005, weight_decay=0.01)


# ## Batching


# In[ ]:


train_loader = torch.utils.data.DataLoader(mnist_train,
                                           batch_size=32, # batch size
                                           shuffle=True) # shuffle before each epoch

for (xs, ts) in enumerate(train_loader):
    print(xs) # image pixels
    print(ts) # targets
    break


# ## Putting it all together...


# In[ ]:


def run_gradient_descent(model,
                         batch_size=64,
                         learning_rate=0.01,
                         weight_decay=0,
                         num_epochs=10):
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=learning_rate, weight_decay=weight_decay)

    iters, losses = [], []
    iters_sub, train_acc, val_acc = [], [], []

    train_loader = torch.utils.data.DataLoader(
        mnist_train,
        batch_size=batch_size,
        shuffle=True)

    # training
    n = 0  # the number of iterations
    for epoch in range(num_epochs):
        for xs, ts in iter(train_loader):
            if len(ts) != batch_size:
                continue
            xs = xs.view(-1, 784)  # flatten the image. The -1 is a wildcard
            zs = model(xs)
            loss = criterion(zs, ts)  # compute the total loss
            loss.backward()  # compute updates for each parameter
            optimizer.step()  # make the updates for each parameter
            optimizer.zero_grad()  # a clean up step for PyTorch

            # save the current training information
            iters.append(n)
            losses.append(float(loss) / batch_size)  # compute *average* loss

            if n % 10 == 0:
                iters_sub.append(n)
                train_acc.append(get_accuracy(model, mnist_train))
                val_acc.append(get_accuracy(model, mnist_val))
            # increment the iteration number
            n += 1

    # plotting
    plt.title("Training Curve (batch_size={}, lr={})".format(batch_size, learning_rate))
    plt.plot(iters, losses, label="Train")
    plt.xlabel("Iterations")
    plt.ylabel("Loss")
    plt.show()

    plt.title("Training Curve (batch_size={}, lr={})".format(batch_size, learning_rate))
    plt.plot(iters_sub, train_acc, label="Train")
    plt.plot(iters_sub, val_acc, label="Validation")
    plt.xlabel("Iterations")
    plt.ylabel("Accuracy")
    plt.legend(loc='best')
    plt.show()

    return model

def get_accuracy(model, data):
    loader = torch.utils.data.DataLoader(data, batch_size=500)

    batch_accuracies = []
    for xs, ts in loader:
        xs = xs.view(-1, 784)  # flatten the image
        zs = model(xs)
        pred = zs.max(1, keepdim=True)[1]  # get the index of the max logit
        batch_accuracies.append(pred.eq(ts.view_as(pred)).sum().item() / int(ts.shape[0]))
    return sum(batch_accuracies) / len(batch_accuracies)


# Let's try training this model!


# In[ ]:


model = nn.Linear(784, 10)
run_gradient_descent(model, batch_size=64, learning_rate=0.01, num_epochs=10)
