"""NN Designer: design neural networks visually, train them live, export clean PyTorch code."""

__version__ = "0.1.0"
APP_NAME = "NN Designer"
ORGANIZATION_NAME = "NN Designer"
ORGANIZATION_DOMAIN = "nn-designer.org"
DESKTOP_FILE_NAME = "org.nndesigner.NNDesigner"
